import { runKernel } from '../engine.js';
import { DTypeError, formatShape, InvalidArgumentError, ShapeError } from '../errors.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { defineOp } from './op.js';

function assertIndex(op: string, index: Tensor): void {
  if (index.dtype !== 'int32') {
    throw new DTypeError(`${op}: index must be an int32 tensor, got ${index.dtype}`);
  }
}

function assertInRange(op: string, index: Tensor, size: number, axis: number): void {
  const values = index.dataSync();
  for (let i = 0; i < values.length; i++) {
    if (values[i] < 0 || values[i] >= size) {
      throw new InvalidArgumentError(
        `${op}: index ${values[i]} at flat position ${i} is out of range for dimension ${axis} of size ${size}`,
      );
    }
  }
}

/** `out[i][j] = x[index[i][j]][j]` along `axis` (for axis 0), as `torch.gather`. */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  const a = normalizeAxis('gather', axis, x.rank);
  assertIndex('gather', index);
  if (index.rank !== x.rank || index.shape.some((d, i) => i !== a && d > x.shape[i])) {
    throw new ShapeError(
      `gather: index of shape ${formatShape(index.shape)} must have the input's rank ${x.rank} and fit its shape ${formatShape(x.shape)} outside dimension ${a}`,
    );
  }
  if (index.backend === 'cpu') assertInRange('gather', index, x.shape[a], a);
  return defineOp(
    'gather',
    [x, index],
    () => runKernel('Gather', [x, index], { axis: a }, 'gather'),
    (dy, [x, index]) => [scatterAdd(dy, a, index, x.shape), null],
  );
}

/** Zeros of `shape` with `src` added at `index` along `axis`: the adjoint of gather. */
export function scatterAdd(
  src: Tensor,
  axis: number,
  index: Tensor,
  shape: readonly number[],
): Tensor {
  const a = normalizeAxis('scatterAdd', axis, shape.length);
  assertIndex('scatterAdd', index);
  return defineOp(
    'scatterAdd',
    [src, index],
    () => runKernel('ScatterAdd', [src, index], { axis: a, shape: [...shape] }, 'scatterAdd'),
    (dy, [, index]) => [gather(dy, a, index), null],
  );
}

/** The entries of `x` at the 1-D `index` along `axis`, as `torch.index_select`. */
export function indexSelect(x: Tensor, axis: number, index: Tensor): Tensor {
  const a = normalizeAxis('indexSelect', axis, x.rank);
  assertIndex('indexSelect', index);
  if (index.rank !== 1) {
    throw new ShapeError(`indexSelect: index must be 1-D, got shape ${formatShape(index.shape)}`);
  }
  if (index.backend === 'cpu') assertInRange('indexSelect', index, x.shape[a], a);
  return defineOp(
    'indexSelect',
    [x, index],
    () => runKernel('IndexSelect', [x, index], { axis: a }, 'indexSelect'),
    (dy, [x, index]) => [indexAdd(dy, a, index, x.shape[a]), null],
  );
}

/** Zeros with dimension `axis` of `size`, with the slices of `src` added at `index`. */
export function indexAdd(src: Tensor, axis: number, index: Tensor, size: number): Tensor {
  const a = normalizeAxis('indexAdd', axis, src.rank);
  assertIndex('indexAdd', index);
  return defineOp(
    'indexAdd',
    [src, index],
    () => runKernel('IndexAdd', [src, index], { axis: a, size }, 'indexAdd'),
    (dy, [, index]) => [indexSelect(dy, a, index), null],
  );
}
