import type { DType, KernelImpl, TypedArray } from '@metagrad/core';
import { sizeOf, stridesOf } from '@metagrad/core';
import { allocate, allocateOverwritten, output, valuesOf } from '../backend.js';
import { release } from '../pool.js';
import { rowBlocks } from './row_blocks.js';
import { simdLoops } from './simd_rows.js';
import { broadcastStrides, StridedRows } from './strided_rows.js';

export const transpose: KernelImpl<'Transpose'> = ([x], { perm }) => {
  const inStrides = stridesOf(x.shape);
  const shape = perm.map((p) => x.shape[p]);
  const out = gatherStrided(
    valuesOf(x),
    0,
    shape,
    perm.map((p) => inStrides[p]),
    x.dtype,
  );
  return output(out, shape, x.dtype);
};

export const broadcastTo: KernelImpl<'BroadcastTo'> = ([x], { shape }) => {
  const a = valuesOf(x);
  const blocks = rowBlocks(x.shape, shape);
  if (blocks) {
    // One value per row of an [outer, rows, n] view (a channel vector): one SIMD call per
    // outer index instead of one fill per row.
    const out = allocateOverwritten(x.dtype, sizeOf(shape));
    const loops = simdLoops(a, out);
    if (loops) {
      const block = blocks.rows * blocks.n * a.BYTES_PER_ELEMENT;
      for (let o = 0; o < blocks.outer; o++) {
        loops.fillRowValues(a.byteOffset, out.byteOffset + o * block, blocks.rows, blocks.n);
      }
      return output(out, shape, x.dtype);
    }
    release(out);
  }
  const out = gatherStrided(a, 0, shape, broadcastStrides(x.shape, shape), x.dtype);
  return output(out, shape, x.dtype);
};

export const slice: KernelImpl<'Slice'> = ([x], { begin, size, step }) => {
  const strides = stridesOf(x.shape);
  let start = 0;
  begin.forEach((b, d) => {
    start += b * strides[d];
  });
  const out = gatherStrided(
    valuesOf(x),
    start,
    size,
    strides.map((s, d) => s * step[d]),
    x.dtype,
  );
  return output(out, size, x.dtype);
};

/** A new row-major array of `shape` whose element at index i is `a[start + sum(i[d] * strides[d])]`. */
function gatherStrided(
  a: TypedArray,
  start: number,
  shape: readonly number[],
  strides: readonly number[],
  dtype: DType,
): TypedArray {
  const out = allocateOverwritten(dtype, sizeOf(shape));
  const walk = new StridedRows(shape, [strides]);
  const stride = walk.innerStrides[0];
  const length = walk.length;
  for (let row = 0, at = 0; row < walk.rows; row++, at += length) {
    const from = start + walk.offsets[0];
    if (stride === 1 && length >= 64) out.set(a.subarray(from, from + length), at);
    else if (stride === 0) out.fill(a[from], at, at + length);
    else for (let i = 0; i < length; i++) out[at + i] = a[from + i * stride];
    walk.next();
  }
  return out;
}

export const pad: KernelImpl<'Pad'> = ([x], { pads, value }) => {
  const a = valuesOf(x);
  const shape = x.shape.map((d, i) => d + pads[i][0] + pads[i][1]);
  const outStrides = stridesOf(shape);
  const out = allocate(x.dtype, sizeOf(shape));
  if (value !== 0) out.fill(value);
  let start = 0;
  pads.forEach(([before], d) => {
    start += before * outStrides[d];
  });
  // The input is copied row by row: a contiguous row of x lands on a contiguous run of the
  // output, so long rows are copied with `set` instead of element by element.
  const walk = new StridedRows(x.shape, [stridesOf(x.shape), outStrides]);
  const length = walk.length;
  const [inStep, outStep] = walk.innerStrides;
  for (let row = 0; row < walk.rows; row++) {
    const [from, to] = walk.offsets;
    if (inStep === 1 && outStep === 1 && length >= 16) {
      out.set(a.subarray(from, from + length), start + to);
    } else {
      for (let i = 0; i < length; i++) out[start + to + i * outStep] = a[from + i * inStep];
    }
    walk.next();
  }
  return output(out, shape, x.dtype);
};

export const concat: KernelImpl<'Concat'> = (inputs, { axis }) => {
  const first = inputs[0];
  const shape = [...first.shape];
  shape[axis] = inputs.reduce((total, t) => total + t.shape[axis], 0);
  const out = allocate(first.dtype, sizeOf(shape));
  const outer = sizeOf(shape.slice(0, axis));
  const inner = sizeOf(shape.slice(axis + 1));
  const outRow = shape[axis] * inner;
  let at = 0;
  for (const t of inputs) {
    const a = valuesOf(t);
    const row = t.shape[axis] * inner;
    for (let o = 0; o < outer; o++) out.set(a.subarray(o * row, (o + 1) * row), o * outRow + at);
    at += row;
  }
  return output(out, shape, first.dtype);
};
