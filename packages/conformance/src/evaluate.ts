import { dispose, getBackend, setBackend, type Tensor, tidy } from '@metagrad/core';
import type { HostTensor } from './compare.js';

/** Runs `fn` with `backend` active (so tensors created without inputs land there), then restores. */
export function onBackend<T>(backend: string, fn: () => T): T {
  const previous = getBackend();
  setBackend(backend);
  try {
    return fn();
  } finally {
    setBackend(previous);
  }
}

/** Labelled tensors that a case computes; null stands for an unused (zero) gradient. */
export type Computed = Record<string, Tensor | null>;

/** Labelled tensors read back to the host. */
export type HostResults = Record<string, HostTensor | null>;

/**
 * Runs `fn` on `backend` inside `tidy`, reads every returned tensor back with the asynchronous
 * `data()` (which every backend implements) and frees all of them. Nothing that `fn` creates
 * outlives the call.
 */
export async function evaluate(backend: string, fn: () => Computed): Promise<HostResults> {
  const detached = onBackend(backend, () =>
    tidy(() => {
      const computed = fn();
      // Detached handles share storage with the results but drop their graphs, so tidy frees
      // every intermediate that the graphs would otherwise keep alive.
      const out: Record<string, Tensor | null> = {};
      for (const [label, t] of Object.entries(computed))
        out[label] = t === null ? null : t.detach();
      return out;
    }),
  );
  try {
    const results: HostResults = {};
    for (const [label, t] of Object.entries(detached)) {
      results[label] =
        t === null ? null : { shape: [...t.shape], dtype: t.dtype, values: await t.data() };
    }
    return results;
  } finally {
    dispose(Object.values(detached));
  }
}
