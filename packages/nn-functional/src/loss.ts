import { formatShape, InvalidArgumentError, ShapeError, type Tensor } from '@metagrad/core';

/** How a loss combines its per-element values, as PyTorch's `reduction`. */
export type Reduction = 'mean' | 'sum' | 'none';

export function reduce(op: string, loss: Tensor, reduction: Reduction): Tensor {
  switch (reduction) {
    case 'mean':
      return loss.mean();
    case 'sum':
      return loss.sum();
    case 'none':
      return loss;
    default:
      throw new InvalidArgumentError(
        `${op}: reduction must be 'mean', 'sum' or 'none', got '${reduction}'`,
      );
  }
}

/**
 * Mean squared error, as `torch.nn.functional.mse_loss`. The shapes must match: PyTorch only
 * warns on a broadcast here, and a silently broadcast target is a classic regression bug.
 */
export function mseLoss(
  input: Tensor,
  target: Tensor,
  options: { reduction?: Reduction } = {},
): Tensor {
  if (input.shape.join() !== target.shape.join()) {
    throw new ShapeError(
      `mseLoss: input has shape ${formatShape(input.shape)} but target has ${formatShape(target.shape)}; they must match`,
    );
  }
  return reduce('mseLoss', input.sub(target).square(), options.reduction ?? 'mean');
}
