import { isFloating } from '../dtype.js';
import { runKernel } from '../engine.js';
import { DTypeError, formatShape, ShapeError } from '../errors.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { cast, promoteOperands } from './elementwise.js';
import { defineOp } from './op.js';
import { reshape, squeeze, sumTo } from './shape.js';

/**
 * Matrix product with `torch.matmul`'s rules: 1-D operands are promoted to a row (left) or a
 * column (right) and the added dimension removed afterwards; batch dimensions broadcast.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.rank === 0 || b.rank === 0) {
    throw new ShapeError(
      `matmul: both operands must have at least 1 dimension, got shapes ${formatShape(a.shape)} and ${formatShape(b.shape)}`,
    );
  }
  let [x, y] = promoteOperands('matmul', a, b);
  if (!isFloating(x.dtype)) {
    x = cast(x, 'float32');
    y = cast(y, 'float32');
  }
  const left = x.rank === 1 ? reshape(x, [1, x.shape[0]]) : x;
  const right = y.rank === 1 ? reshape(y, [y.shape[0], 1]) : y;
  const k = left.shape[left.rank - 1];
  if (right.shape[right.rank - 2] !== k) {
    throw new ShapeError(
      `matmul: the inner dimensions of shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} do not match (${k} vs ${right.shape[right.rank - 2]})`,
    );
  }
  broadcastShapes('matmul', left.shape.slice(0, -2), right.shape.slice(0, -2));
  let out = batchMatmul(left, right, false, false);
  if (a.rank === 1) out = squeeze(out, -2);
  if (b.rank === 1) out = squeeze(out, -1);
  return out;
}

/**
 * op(a) @ op(b), where op transposes the last two dimensions when its flag is set. Both
 * operands have rank >= 2. The gradients are themselves such products, so the transposes are
 * folded into the kernel instead of materialized.
 */
export function batchMatmul(
  a: Tensor,
  b: Tensor,
  transposeA: boolean,
  transposeB: boolean,
): Tensor {
  if (a.dtype !== b.dtype) {
    throw new DTypeError(`matmul: operands must have one dtype, got ${a.dtype} and ${b.dtype}`);
  }
  const out = defineOp(
    'matmul',
    [a, b],
    () => runKernel('MatMul', [a, b], { transposeA, transposeB }, 'matmul'),
    (dy, [a, b], _saved, needed) => {
      // Each gradient as a product of dy with the other operand, transposed as the op was.
      const gradA = (): Tensor => {
        if (!transposeA) return batchMatmul(dy, b, false, !transposeB);
        return transposeB ? batchMatmul(b, dy, true, true) : batchMatmul(b, dy, false, true);
      };
      const gradB = (): Tensor => {
        if (!transposeB) return batchMatmul(a, dy, !transposeA, false);
        return transposeA ? batchMatmul(dy, a, true, true) : batchMatmul(dy, a, true, false);
      };
      return [
        needed?.[0] === false ? null : sumTo(gradA(), a.shape),
        needed?.[1] === false ? null : sumTo(gradB(), b.shape),
      ];
    },
  );
  if (out.gradFn && a.rank === 2 && b.rank === 2 && !transposeA) {
    // The gradients of the backward above, with b's given as the factors of left^T right, so
    // that the backward pass can sum the gradients of a weight used in many products at once.
    out.gradFn.productOf = {
      first: (dy, [, b]) => batchMatmul(dy, b, false, !transposeB),
      factors: (dy, [a]) => (transposeB ? [dy, a] : [a, dy]),
    };
  }
  return out;
}
