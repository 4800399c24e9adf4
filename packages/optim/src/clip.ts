import {
  abs,
  flattenTree,
  InvalidArgumentError,
  mapTree,
  mul,
  noGrad,
  type Tensor,
} from '@metagrad/core';

/**
 * Scales a pytree of gradients so that their joint norm is at most `maxNorm`, as
 * `torch.nn.utils.clip_grad_norm_` does (scale maxNorm / (norm + 1e-6), capped at 1). Returns
 * the new gradients and the norm before clipping.
 */
export function clipGradNorm<T>(
  grads: T,
  maxNorm: number,
  normType = 2,
): {
  /** Clipped gradients, a pytree like the input. */
  grads: T;
  /** Joint norm of the gradients before clipping. */
  totalNorm: number;
} {
  if (!(maxNorm >= 0))
    throw new InvalidArgumentError(`clipGradNorm: maxNorm must be >= 0, got ${maxNorm}`);
  if (!(normType > 0))
    throw new InvalidArgumentError(
      `clipGradNorm: normType must be > 0 or Infinity, got ${normType}`,
    );
  return noGrad(() => {
    const { leaves } = flattenTree(grads);
    let total = 0;
    for (const g of leaves) {
      if (normType === Number.POSITIVE_INFINITY) total = Math.max(total, abs(g).max().item());
      else total += abs(g).pow(normType).sum().item();
    }
    const totalNorm = normType === Number.POSITIVE_INFINITY ? total : total ** (1 / normType);
    const scale = Math.min(1, maxNorm / (totalNorm + 1e-6));
    return { grads: mapTree(grads, (g: Tensor) => mul(g, scale)) as T, totalNorm };
  });
}
