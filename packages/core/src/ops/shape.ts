import { makeTensor, runKernel } from '../engine.js';
import { formatShape, InvalidArgumentError, ShapeError } from '../errors.js';
import { normalizeAxis, shapesEqual, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { defineOp } from './op.js';
import { sum } from './reduce.js';

/**
 * Returns a tensor of a new shape with the same elements. Tensors are always contiguous, so
 * this shares storage and runs no kernel. One dimension may be -1 (inferred).
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = inferReshape(x, shape);
  if (shapesEqual(target, x.shape)) return x;
  return defineOp(
    'reshape',
    [x],
    () => makeTensor({ dataId: x.dataId, shape: target, dtype: x.dtype }, x.backend),
    (dy, [x]) => [reshape(dy, x.shape)],
  );
}

function inferReshape(x: Tensor, shape: readonly number[]): number[] {
  const target = [...shape];
  const inferred = target.indexOf(-1);
  if (target.some((d, i) => !Number.isInteger(d) || d < -1 || (d === -1 && i !== inferred))) {
    throw new InvalidArgumentError(
      `reshape: shape must hold non-negative integers and at most one -1, got ${formatShape(shape)}`,
    );
  }
  if (inferred >= 0) {
    const known = sizeOf(target.filter((_, i) => i !== inferred));
    if (known === 0 || x.size % known !== 0) {
      throw new ShapeError(
        `reshape: cannot reshape a tensor of shape ${formatShape(x.shape)} (${x.size} elements) into ${formatShape(shape)}`,
      );
    }
    target[inferred] = x.size / known;
  }
  if (sizeOf(target) !== x.size) {
    throw new ShapeError(
      `reshape: cannot reshape a tensor of shape ${formatShape(x.shape)} (${x.size} elements) into ${formatShape(shape)} (${sizeOf(target)} elements)`,
    );
  }
  return target;
}

/** A new tensor handle on the same storage, with an identity gradient. */
export function alias(x: Tensor): Tensor {
  return defineOp(
    'alias',
    [x],
    () => makeTensor({ dataId: x.dataId, shape: x.shape, dtype: x.dtype }, x.backend),
    (dy) => [dy],
  );
}

/** Flattens dimensions startDim..endDim (inclusive) into one. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.rank === 0) return reshape(x, [1]);
  const start = normalizeAxis('flatten', startDim, x.rank, 'startDim');
  const end = normalizeAxis('flatten', endDim, x.rank, 'endDim');
  if (start > end) {
    throw new InvalidArgumentError(
      `flatten: startDim (${startDim}) must not come after endDim (${endDim})`,
    );
  }
  const shape = [
    ...x.shape.slice(0, start),
    sizeOf(x.shape.slice(start, end + 1)),
    ...x.shape.slice(end + 1),
  ];
  return reshape(x, shape);
}

/** Reorders the dimensions: output dimension i is input dimension dims[i]. */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== x.rank) {
    throw new InvalidArgumentError(
      `permute: dims must list all ${x.rank} dimensions of a tensor of shape ${formatShape(x.shape)}, got [${dims.join(', ')}]`,
    );
  }
  const perm = dims.map((d) => normalizeAxis('permute', d, x.rank, 'dims'));
  if (new Set(perm).size !== perm.length) {
    throw new InvalidArgumentError(
      `permute: dims must not repeat a dimension, got [${dims.join(', ')}]`,
    );
  }
  if (perm.every((p, i) => p === i)) return x;
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => {
    inverse[p] = i;
  });
  return defineOp(
    'permute',
    [x],
    () => runKernel('Transpose', [x], { perm }, 'permute'),
    (dy) => [permute(dy, inverse)],
  );
}

/** Swaps two dimensions. */
export function transpose(x: Tensor, dim0 = -2, dim1 = -1): Tensor {
  const a = normalizeAxis('transpose', dim0, x.rank, 'dim0');
  const b = normalizeAxis('transpose', dim1, x.rank, 'dim1');
  const perm = Array.from({ length: x.rank }, (_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}

/**
 * Broadcasts to `shape` as `torch.Tensor.expand`: new dimensions may be added in front, size-1
 * dimensions repeated, and -1 keeps a size.
 */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  if (shape.length < x.rank) {
    throw new ShapeError(
      `expand: the target ${formatShape(shape)} has fewer dimensions than the input ${formatShape(x.shape)}`,
    );
  }
  const offset = shape.length - x.rank;
  const target = shape.map((d, i) => {
    const own = i >= offset ? x.shape[i - offset] : 1;
    if (d === -1) {
      if (i < offset)
        throw new InvalidArgumentError(
          `expand: -1 is not allowed for a new leading dimension (${i})`,
        );
      return own;
    }
    if (own !== 1 && own !== d) {
      throw new ShapeError(
        `expand: the input's size ${own} at dimension ${i - offset} cannot be expanded to ${d} (target ${formatShape(shape)}, input ${formatShape(x.shape)})`,
      );
    }
    return d;
  });
  if (shapesEqual(target, x.shape)) return x;
  const padded = reshape(x, [...new Array(offset).fill(1), ...x.shape]);
  return defineOp(
    'expand',
    [padded],
    () => runKernel('BroadcastTo', [padded], { shape: target }, 'expand'),
    (dy, [p]) => [sumTo(dy, p.shape)],
  ).reshape(target);
}

/**
 * Sums `dy` down to `shape`, undoing a broadcast: leading dimensions are summed away and
 * dimensions where `shape` has 1 are summed with keepDim.
 */
export function sumTo(dy: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(dy.shape, shape)) return dy;
  const offset = dy.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < dy.rank; i++) {
    if (i < offset || (shape[i - offset] === 1 && dy.shape[i] !== 1)) axes.push(i);
  }
  return reshape(sum(dy, axes, false), shape);
}

/** Removes size-1 dimensions: all of them, or the one at `axis` (kept when its size is not 1). */
export function squeeze(x: Tensor, axis?: number | null): Tensor {
  if (axis === undefined || axis === null)
    return reshape(
      x,
      x.shape.filter((d) => d !== 1),
    );
  const a = normalizeAxis('squeeze', axis, x.rank);
  if (x.rank === 0 || x.shape[a] !== 1) return x;
  return reshape(
    x,
    x.shape.filter((_, i) => i !== a),
  );
}

/** Inserts a size-1 dimension at `axis` (negative counts from the end of the new shape). */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis('unsqueeze', axis, x.rank + 1);
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}
