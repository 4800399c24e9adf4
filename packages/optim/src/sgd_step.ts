import { InvalidArgumentError, mul, sub, type Tensor, zipTrees } from '@metagrad/core';

/**
 * One differentiable SGD step for inner loops: `params - lr * grads`, leaf by leaf, written in
 * ops so that an outer gradient flows through it. `lr` is a number, or a pytree of tensors
 * shaped like `params` (learned per-parameter rates, as in Meta-SGD).
 */
export function sgdStep<T>(params: T, grads: T, lr: number | T): T {
  if (typeof lr === 'number') {
    if (!Number.isFinite(lr))
      throw new InvalidArgumentError(`sgdStep: lr must be a finite number, got ${lr}`);
    return zipTrees([params, grads], ([p, g]) => sub(p, mul(g, lr)));
  }
  return zipTrees([params, grads, lr as T], ([p, g, rate]) => sub(p, mul(g, rate as Tensor)));
}
