import type { KernelImpl } from '@metagrad/core';
import { sizeOf, stridesOf } from '@metagrad/core';
import { allocate, output, valuesOf } from '../backend.js';
import { broadcastOffsets, offsetsFor } from './strides.js';

export const transpose: KernelImpl<'Transpose'> = ([x], { perm }) => {
  const a = valuesOf(x);
  const inStrides = stridesOf(x.shape);
  const shape = perm.map((p) => x.shape[p]);
  const offsets = offsetsFor(
    shape,
    perm.map((p) => inStrides[p]),
  );
  const out = allocate(x.dtype, offsets.length);
  for (let i = 0; i < offsets.length; i++) out[i] = a[offsets[i]];
  return output(out, shape, x.dtype);
};

export const broadcastTo: KernelImpl<'BroadcastTo'> = ([x], { shape }) => {
  const a = valuesOf(x);
  const offsets = broadcastOffsets(x.shape, shape);
  const out = allocate(x.dtype, offsets.length);
  for (let i = 0; i < offsets.length; i++) out[i] = a[offsets[i]];
  return output(out, shape, x.dtype);
};

export const slice: KernelImpl<'Slice'> = ([x], { begin, size, step }) => {
  const a = valuesOf(x);
  const strides = stridesOf(x.shape);
  let start = 0;
  begin.forEach((b, d) => {
    start += b * strides[d];
  });
  const offsets = offsetsFor(
    size,
    strides.map((s, d) => s * step[d]),
  );
  const out = allocate(x.dtype, offsets.length);
  for (let i = 0; i < offsets.length; i++) out[i] = a[start + offsets[i]];
  return output(out, size, x.dtype);
};

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
  const offsets = offsetsFor(x.shape, outStrides);
  for (let i = 0; i < offsets.length; i++) out[start + offsets[i]] = a[i];
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
