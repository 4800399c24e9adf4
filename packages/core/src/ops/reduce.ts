import { isFloating } from '../dtype.js';
import { runKernel } from '../engine.js';
import { DTypeError, InvalidArgumentError } from '../errors.js';
import type { ReduceOp } from '../kernel_names.js';
import { normalizeAxes, normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, cast, div, eq, exp, isFinite, log, mul, sub, where } from './elementwise.js';
import { defineOp } from './op.js';
import { expand, reshape } from './shape.js';

/** One axis or a list of axes (negative ones count from the end); null or undefined means all axes. */
export type Axis = number | readonly number[] | null | undefined;

function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function reducedShape(
  shape: readonly number[],
  axes: readonly number[],
  keepDim: boolean,
): number[] {
  return keepDim ? keptShape(shape, axes) : shape.filter((_, i) => !axes.includes(i));
}

function reduceKernel(
  op: ReduceOp,
  name: string,
  x: Tensor,
  axes: number[],
  keepDim: boolean,
): Tensor {
  const out = runKernel('Reduce', [x], { op, axes }, name);
  return keepDim ? reshape(out, keptShape(x.shape, axes)) : out;
}

/** Sums over `axis` (all axes when left out). Bool and int32 sum to int32, as in PyTorch. */
export function sum(x: Tensor, axis?: Axis, keepDim = false): Tensor {
  const axes = normalizeAxes('sum', axis, x.rank);
  const input = x.dtype === 'bool' ? cast(x, 'int32') : x;
  if (axes.length === 0) return input;
  return defineOp(
    'sum',
    [input],
    () => reduceKernel('sum', 'sum', input, axes, keepDim),
    (dy, [x]) => [expand(reshape(dy, keptShape(x.shape, axes)), x.shape)],
  );
}

/** The mean over `axis`; the input must be floating point, as in PyTorch. */
export function mean(x: Tensor, axis?: Axis, keepDim = false): Tensor {
  if (!isFloating(x.dtype)) {
    throw new DTypeError(`mean: input must be float32 or float64, got ${x.dtype}; cast it first`);
  }
  const axes = normalizeAxes('mean', axis, x.rank);
  let count = 1;
  for (const a of axes) count *= x.shape[a];
  return div(sum(x, axes, keepDim), count);
}

/**
 * The maximum over `axis`, as `torch.amax`: where several elements tie for the maximum, the
 * gradient is split evenly among them.
 */
export function max(x: Tensor, axis?: Axis, keepDim = false): Tensor {
  return extremum('max', x, axis, keepDim);
}

/** The minimum over `axis`, as `torch.amin` (ties share the gradient evenly). */
export function min(x: Tensor, axis?: Axis, keepDim = false): Tensor {
  return extremum('min', x, axis, keepDim);
}

function extremum(op: 'max' | 'min', x: Tensor, axis: Axis, keepDim: boolean): Tensor {
  const axes = normalizeAxes(op, axis, x.rank);
  if (axes.some((a) => x.shape[a] === 0)) {
    throw new InvalidArgumentError(
      `${op}: cannot reduce over an empty dimension of shape [${x.shape.join(', ')}]`,
    );
  }
  if (axes.length === 0) return x;
  return defineOp(
    op,
    [x],
    () => reduceKernel(op, op, x, axes, keepDim),
    (dy, [x], [y]) => {
      const shape = keptShape(x.shape, axes);
      const mask = cast(eq(x, expand(reshape(y, shape), x.shape)), dy.dtype);
      const count = sum(mask, axes, true);
      return [div(mul(expand(reshape(dy, shape), x.shape), mask), count)];
    },
    { saveOutput: true },
  );
}

function argReduce(
  op: 'argmax' | 'argmin',
  x: Tensor,
  axis: number | null | undefined,
  keepDim: boolean,
): Tensor {
  if (x.size === 0) throw new InvalidArgumentError(`${op}: the input is empty`);
  if (axis === undefined || axis === null) {
    const flat = reshape(x, [x.size]);
    const out = runKernel('ArgReduce', [flat], { op, axis: 0 }, op);
    return keepDim
      ? reshape(
          out,
          x.shape.map(() => 1),
        )
      : out;
  }
  const a = normalizeAxis(op, axis, x.rank);
  const out = runKernel('ArgReduce', [x], { op, axis: a }, op);
  return keepDim ? reshape(out, keptShape(x.shape, [a])) : out;
}

/** The int32 index of the first maximum along `axis` (of the flattened input when left out). */
export function argmax(x: Tensor, axis?: number | null, keepDim = false): Tensor {
  return argReduce('argmax', x, axis, keepDim);
}

/** Returns the int32 index of the first minimum along `axis` (of the flattened input when left out). */
export function argmin(x: Tensor, axis?: number | null, keepDim = false): Tensor {
  return argReduce('argmin', x, axis, keepDim);
}

/**
 * log(sum(exp(x))) over `axis`, computed stably by subtracting the maximum first. The shift is
 * outside the graph (its gradient contribution cancels), so every order of gradient is exact.
 */
export function logSumExp(x: Tensor, axis?: Axis, keepDim = false): Tensor {
  const axes = normalizeAxes('logSumExp', axis, x.rank);
  const m = max(x.detach(), axes, true);
  const shift = where(isFinite(m), m, 0);
  const out = add(log(sum(exp(sub(x, shift)), axes, true)), shift);
  return keepDim ? out : reshape(out, reducedShape(x.shape, axes, false));
}
