import { backendInstance } from '../engine.js';
import { BackendError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { fromTypedArray } from './creation.js';
import { defineOp } from './op.js';
import { alias } from './shape.js';

export { backward } from '../autograd/backward.js';
export * from './creation.js';
export * from './elementwise.js';
export * from './indexing.js';
export * from './matmul.js';
export { defineOp } from './op.js';
export * from './reduce.js';
export * from './shape.js';
export * from './slicing.js';
export * from './softmax.js';

/** A copy on another backend (read synchronously where possible); the gradient moves back. */
export function toBackend(x: Tensor, backend: string): Tensor {
  const source = backendInstance(x.backend);
  if (!source.readSync) {
    throw new BackendError(
      `to: backend '${x.backend}' cannot read synchronously; read with await t.data() and create the tensor on '${backend}'`,
    );
  }
  return defineOp(
    'to',
    [x],
    () =>
      fromTypedArray(source.readSync!(x.dataId, x.dtype).slice(0, x.size), x.shape, x.dtype, {
        backend,
      }),
    (dy, [x]) => [toBackend(dy, x.backend)],
  );
}

/**
 * A new tensor handle with the same values; the gradient passes through. Tensors are
 * immutable, so the copy shares storage (disposing one handle leaves the other intact).
 */
export function clone(x: Tensor): Tensor {
  return alias(x);
}
