import type { KernelImpl } from '@metagrad/core';
import { sizeOf, stridesOf } from '@metagrad/core';
import { allocate, output, valuesOf } from '../backend.js';
import { offsetsFor } from './strides.js';

export const gather: KernelImpl<'Gather'> = ([x, index], { axis }) => {
  const a = valuesOf(x);
  const idx = valuesOf(index);
  const xStrides = stridesOf(x.shape);
  // Offsets into x for every index position, with the gathered axis contributing nothing.
  const offsets = offsetsFor(
    index.shape,
    xStrides.map((s, d) => (d === axis ? 0 : s)),
  );
  const out = allocate(x.dtype, idx.length);
  const stride = xStrides[axis];
  for (let i = 0; i < idx.length; i++) out[i] = a[offsets[i] + idx[i] * stride];
  return output(out, index.shape, x.dtype);
};

export const scatterAdd: KernelImpl<'ScatterAdd'> = ([src, index], { axis, shape }) => {
  const s = valuesOf(src);
  const idx = valuesOf(index);
  const outStrides = stridesOf(shape);
  const srcOffsets = offsetsFor(index.shape, stridesOf(src.shape));
  const outOffsets = offsetsFor(
    index.shape,
    outStrides.map((st, d) => (d === axis ? 0 : st)),
  );
  const out = allocate(src.dtype, sizeOf(shape));
  const stride = outStrides[axis];
  for (let i = 0; i < idx.length; i++) out[outOffsets[i] + idx[i] * stride] += s[srcOffsets[i]];
  return output(out, shape, src.dtype);
};

export const indexSelect: KernelImpl<'IndexSelect'> = ([x, index], { axis }) => {
  const a = valuesOf(x);
  const idx = valuesOf(index);
  const outer = sizeOf(x.shape.slice(0, axis));
  const inner = sizeOf(x.shape.slice(axis + 1));
  const n = x.shape[axis];
  const shape = [...x.shape];
  shape[axis] = idx.length;
  const out = allocate(x.dtype, outer * idx.length * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < idx.length; j++) {
      const from = (o * n + idx[j]) * inner;
      out.set(a.subarray(from, from + inner), (o * idx.length + j) * inner);
    }
  }
  return output(out, shape, x.dtype);
};

export const indexAdd: KernelImpl<'IndexAdd'> = ([src, index], { axis, size }) => {
  const s = valuesOf(src);
  const idx = valuesOf(index);
  const outer = sizeOf(src.shape.slice(0, axis));
  const inner = sizeOf(src.shape.slice(axis + 1));
  const shape = [...src.shape];
  shape[axis] = size;
  const out = allocate(src.dtype, outer * size * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < idx.length; j++) {
      const to = (o * size + idx[j]) * inner;
      const from = (o * idx.length + j) * inner;
      for (let i = 0; i < inner; i++) out[to + i] += s[from + i];
    }
  }
  return output(out, shape, src.dtype);
};
