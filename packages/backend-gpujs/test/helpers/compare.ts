import type { Tensor } from '@metagrad/core';

/** An element-wise tolerance: |got - want| <= atol + rtol * |want|. */
export interface Tolerance {
  rtol: number;
  atol: number;
}

export const EXACT: Tolerance = { rtol: 0, atol: 0 };
/** float32 arithmetic in a shader against the CPU backend's float64-accumulated float32. */
export const FLOAT32: Tolerance = { rtol: 2e-6, atol: 1e-6 };
/** exp, log, sin, tanh and pow: shader built-ins are a few ulp less accurate than JavaScript's. */
export const TRANSCENDENTAL: Tolerance = { rtol: 1e-5, atol: 1e-6 };
/** Sums of products (matmul, convolutions): float32 accumulation in the shader. */
export const ACCUMULATED: Tolerance = { rtol: 1e-5, atol: 1e-5 };

/**
 * Lists how `got` differs from `want`: shape, dtype, NaN positions, infinities and values
 * outside the tolerance (the first few of each). An empty list means they agree.
 */
export function mismatches(got: Tensor, want: Tensor, tolerance: Tolerance): string[] {
  if (got.shape.join() !== want.shape.join()) {
    return [`shape [${got.shape.join(', ')}], expected [${want.shape.join(', ')}]`];
  }
  if (got.dtype !== want.dtype) return [`dtype ${got.dtype}, expected ${want.dtype}`];
  const g = got.dataSync();
  const w = want.dataSync();
  const problems: string[] = [];
  for (let i = 0; i < w.length && problems.length < 5; i++) {
    const a = g[i];
    const b = w[i];
    if (Number.isNaN(b) || Number.isNaN(a)) {
      if (!(Number.isNaN(a) && Number.isNaN(b)))
        problems.push(`element ${i} is ${a}, expected ${b}`);
    } else if (!Number.isFinite(b) || !Number.isFinite(a)) {
      if (a !== b) problems.push(`element ${i} is ${a}, expected ${b}`);
    } else if (!(Math.abs(a - b) <= tolerance.atol + tolerance.rtol * Math.abs(b))) {
      problems.push(`element ${i} is ${a}, expected ${b} (difference ${Math.abs(a - b)})`);
    }
  }
  return problems;
}
