import type { DType, KernelImpl, TensorInfo, TypedArray } from '@metagrad/core';
import { sizeOf, stridesOf } from '@metagrad/core';
import { allocate, allocateOverwritten, output, valuesOf } from '../backend.js';
import { release } from '../pool.js';
import { repeatedRows, rowBlocks } from './row_blocks.js';
import { simdLoops } from './simd_rows.js';
import { StridedRows } from './strided_rows.js';
import { offsetsFor } from './strides.js';

/** Splits the input's dimensions into kept and reduced ones, with offset tables for each. */
function splitAxes(shape: readonly number[], axes: readonly number[]) {
  const strides = stridesOf(shape);
  const keptShape: number[] = [];
  const keptStrides: number[] = [];
  const reducedShape: number[] = [];
  const reducedStrides: number[] = [];
  shape.forEach((d, i) => {
    if (axes.includes(i)) {
      reducedShape.push(d);
      reducedStrides.push(strides[i]);
    } else {
      keptShape.push(d);
      keptStrides.push(strides[i]);
    }
  });
  return {
    keptShape,
    outer: offsetsFor(keptShape, keptStrides),
    inner: offsetsFor(reducedShape, reducedStrides),
  };
}

/**
 * Sums accumulate in a JavaScript number (float64), so float32 sums keep full float32
 * accuracy however long the reduction; max and min propagate NaN, as PyTorch does.
 */
export const reduce: KernelImpl<'Reduce'> = ([x], { op, axes }) => {
  if (op === 'sum') return sum(x, axes);
  const a = valuesOf(x);
  const { keptShape, outer, inner } = splitAxes(x.shape, axes);
  const out = allocate(x.dtype, outer.length);
  const m = inner.length;
  for (let o = 0; o < outer.length; o++) {
    const base = outer[o];
    if (op === 'max') {
      let acc = Number.NEGATIVE_INFINITY;
      for (let r = 0; r < m; r++) {
        const v = a[base + inner[r]];
        if (v > acc || v !== v) acc = v;
        if (acc !== acc) break;
      }
      out[o] = acc;
    } else {
      let acc = Number.POSITIVE_INFINITY;
      for (let r = 0; r < m; r++) {
        const v = a[base + inner[r]];
        if (v < acc || v !== v) acc = v;
        if (acc !== acc) break;
      }
      out[o] = acc;
    }
  }
  return output(out, keptShape, x.dtype);
};

/**
 * Sums over `axes` by walking the input once in memory order and adding into a float64
 * accumulator for each output element. A contiguous run of terms of one output is summed as in
 * `sumRow`, other terms are added one at a time in row-major order of the reduced indices. The
 * order is fixed by the shapes alone, so the SIMD and JavaScript paths give the same sums.
 */
function sum(x: TensorInfo, axes: readonly number[]): TensorInfo {
  const a = valuesOf(x);
  const keptShape = x.shape.filter((_, d) => !axes.includes(d));
  const keptStrides = stridesOf(keptShape);
  const outStrides: number[] = [];
  let kept = 0;
  for (let d = 0; d < x.shape.length; d++) {
    outStrides.push(axes.includes(d) ? 0 : keptStrides[kept++]);
  }
  const acc = allocate('float64', sizeOf(keptShape)) as Float64Array;
  const loops = simdLoops(a);
  // The SIMD loops write acc in place, so it must be in the tensor heap too.
  const simdAcc = loops !== null && acc.buffer === a.buffer;
  const keptSizes = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const blocks = simdAcc ? rowBlocks(keptSizes, x.shape) : null;
  const repeated = simdAcc && !blocks ? repeatedRows(keptSizes, x.shape) : null;
  if (loops && blocks) {
    // Kept axes in one block between reduced ones, as a sum over all but the channels: one call
    // per outer index sums its rows in the order of the walk below.
    const { outer, rows, n } = blocks;
    const size = a.BYTES_PER_ELEMENT;
    for (let o = 0; o < outer; o++) {
      loops.sumRows(a.byteOffset + o * rows * n * size, acc.byteOffset, rows, n);
    }
    return finishSum(acc, keptShape, x.dtype);
  }
  if (loops && repeated) {
    // Reduced axes in one block between kept ones, as the gradient of a bias: one call per
    // outer index adds its rows into its n sums, in the order of the walk below.
    const { outer, rows, n } = repeated;
    const size = a.BYTES_PER_ELEMENT;
    for (let o = 0; o < outer; o++) {
      const from = a.byteOffset + o * rows * n * size;
      loops.sumRepeatedRows(from, acc.byteOffset + o * n * 8, rows, n);
    }
    return finishSum(acc, keptShape, x.dtype);
  }
  const walk = new StridedRows(x.shape, [stridesOf(x.shape), outStrides]);
  const [sa, so] = walk.innerStrides;
  const length = walk.length;
  const size = a.BYTES_PER_ELEMENT;
  for (let row = 0; row < walk.rows; row++) {
    const [ia, io] = walk.offsets;
    if (so === 0 && sa === 1 && loops) {
      acc[io] += loops.sum(a.byteOffset + ia * size, length);
    } else if (so === 0 && sa === 1) acc[io] += sumRow(a, ia, length);
    else if (so === 1 && sa === 1 && simdAcc) {
      loops.addRows(a.byteOffset + ia * size, acc.byteOffset + io * 8, length);
    } else if (so === 1 && sa === 1) addRow(a, ia, acc, io, length);
    else if (so === 0) {
      let total = acc[io];
      for (let i = 0; i < length; i++) total += a[ia + i * sa];
      acc[io] = total;
    } else {
      for (let i = 0; i < length; i++) acc[io + i * so] += a[ia + i * sa];
    }
    walk.next();
  }
  return finishSum(acc, keptShape, x.dtype);
}

/** Returns the float64 sums as a tensor of `dtype`, rounding them once for float32. */
function finishSum(acc: Float64Array, keptShape: number[], dtype: DType): TensorInfo {
  if (dtype === 'float64') return output(acc, keptShape, dtype);
  const out = allocateOverwritten(dtype, acc.length);
  out.set(acc);
  release(acc);
  return output(out, keptShape, dtype);
}

/**
 * Returns the sum of a[from], ..., a[from + n - 1] in four interleaved partial sums s_r over the
 * terms i = r (mod 4), combined as (s0 + s1) + (s2 + s3), then the last n mod 4 terms in order.
 * Four independent sums run faster than one chain, and sum_f32 / sum_f64 of elementwise.wat
 * add in exactly this order.
 */
function sumRow(a: TypedArray, from: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const end4 = from + n - (n % 4);
  for (let i = from; i < end4; i += 4) {
    s0 += a[i];
    s1 += a[i + 1];
    s2 += a[i + 2];
    s3 += a[i + 3];
  }
  let total = s0 + s1 + (s2 + s3);
  for (let i = end4; i < from + n; i++) total += a[i];
  return total;
}

/** Adds a[from + i] into acc[at + i] for i < n, four elements per iteration, loads first. */
function addRow(a: TypedArray, from: number, acc: Float64Array, at: number, n: number): void {
  const n4 = n - (n % 4);
  for (let i = 0; i < n4; i += 4) {
    const j = from + i;
    const k = at + i;
    const y0 = acc[k] + a[j];
    const y1 = acc[k + 1] + a[j + 1];
    const y2 = acc[k + 2] + a[j + 2];
    const y3 = acc[k + 3] + a[j + 3];
    acc[k] = y0;
    acc[k + 1] = y1;
    acc[k + 2] = y2;
    acc[k + 3] = y3;
  }
  for (let i = n4; i < n; i++) acc[at + i] += a[from + i];
}

/** The index of the first extremum along the axis; a NaN counts as the extremum, as in PyTorch. */
export const argReduce: KernelImpl<'ArgReduce'> = ([x], { op, axis }) => {
  const a = valuesOf(x);
  const { keptShape, outer, inner } = splitAxes(x.shape, [axis]);
  const out = new Int32Array(outer.length);
  const isMax = op === 'argmax';
  for (let o = 0; o < outer.length; o++) {
    const base = outer[o];
    let best = a[base + inner[0]];
    let bestIndex = 0;
    for (let r = 1; r < inner.length && best === best; r++) {
      const v = a[base + inner[r]];
      if ((isMax ? v > best : v < best) || v !== v) {
        best = v;
        bestIndex = r;
      }
    }
    out[o] = bestIndex;
  }
  return output(out, keptShape, 'int32');
};
