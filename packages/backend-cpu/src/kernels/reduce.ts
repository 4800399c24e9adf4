import type { KernelImpl, TensorInfo, TypedArray } from '@metagrad/core';
import { sizeOf, stridesOf } from '@metagrad/core';
import { allocate, output, valuesOf } from '../backend.js';
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
 * Sums over `axes` by walking the input once in memory order and adding each element into a
 * float64 accumulator for its output element. Each output element still receives its terms in
 * row-major order of the reduced indices, the order of a loop over them, so the sums equal
 * those of that loop exactly.
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
  const acc = new Float64Array(sizeOf(keptShape));
  const walk = new StridedRows(x.shape, [stridesOf(x.shape), outStrides]);
  const [sa, so] = walk.innerStrides;
  const length = walk.length;
  for (let row = 0; row < walk.rows; row++) {
    const [ia, io] = walk.offsets;
    if (so === 0 && sa === 1) acc[io] = sumRow(a, ia, length, acc[io]);
    else if (so === 1 && sa === 1) addRow(a, ia, acc, io, length);
    else if (so === 0) {
      let total = acc[io];
      for (let i = 0; i < length; i++) total += a[ia + i * sa];
      acc[io] = total;
    } else {
      for (let i = 0; i < length; i++) acc[io + i * so] += a[ia + i * sa];
    }
    walk.next();
  }
  const out = allocate(x.dtype, acc.length);
  out.set(acc);
  return output(out, keptShape, x.dtype);
}

// The two contiguous cases below read four elements per iteration before any store, as the
// elementwise rows do. They still add the elements one at a time in order, so sums do not change.

/** Returns start + a[from] + a[from + 1] + ... + a[from + n - 1], added left to right. */
function sumRow(a: TypedArray, from: number, n: number, start: number): number {
  let total = start;
  const n4 = n - (n % 4);
  for (let i = from; i < from + n4; i += 4) {
    const x0 = a[i];
    const x1 = a[i + 1];
    const x2 = a[i + 2];
    const x3 = a[i + 3];
    total = total + x0 + x1 + x2 + x3;
  }
  for (let i = from + n4; i < from + n; i++) total += a[i];
  return total;
}

/** Adds a[from + i] into acc[at + i] for i < n. */
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
