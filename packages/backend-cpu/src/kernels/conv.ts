import type { KernelImpl } from '@metagrad/core';
import { allocate, output, valuesOf } from '../backend.js';
import { gemm, type MatrixView } from './gemm.js';
import { col2imAdd, convGeometry, im2col } from './im2col.js';

// NOTE: the three convolutions are matrix products over the im2col matrix of each image and
// group, with K = cPerGroup * kH * kW rows and P = outH * outW columns:
//   forward         y[b, g]  = W[g] (oPerGroup x K)  @ cols[b, g] (K x P)
//   input gradient  dx[b, g] = col2im(W[g]^T @ dy[b, g])
//   filter gradient dW[g]    = sum over b of dy[b, g] (oPerGroup x P) @ cols[b, g]^T
// Every sum runs in float64 and is rounded once into the output dtype.

/** Column matrix buffer, grown on demand and reused between calls. */
let columns = new Float64Array(0);

function columnBuffer(size: number): Float64Array {
  if (columns.length < size) columns = new Float64Array(size);
  return columns;
}

export const conv2d: KernelImpl<'Conv2D'> = ([x, filter], attrs) => {
  const g = convGeometry(x.shape, filter.shape, attrs);
  const input = valuesOf(x);
  const plane = g.outH * g.outW;
  const depth = g.cPerGroup * g.kh * g.kw;
  const out = allocate(x.dtype, g.n * g.o * plane);
  const direct = out instanceof Float64Array;
  const c = direct ? out : new Float64Array(g.oPerGroup * plane);
  const cols = columnBuffer(depth * plane);
  const weight: MatrixView = { data: valuesOf(filter), offset: 0, rowStride: depth, colStride: 1 };
  const columnView: MatrixView = { data: cols, offset: 0, rowStride: plane, colStride: 1 };
  for (let b = 0; b < g.n; b++) {
    for (let group = 0; group < attrs.groups; group++) {
      im2col(g, input, (b * g.c + group * g.cPerGroup) * g.h * g.w, cols);
      weight.offset = group * g.oPerGroup * depth;
      const at = (b * g.o + group * g.oPerGroup) * plane;
      gemm(g.oPerGroup, plane, depth, weight, columnView, c, direct ? at : 0, false);
      if (!direct) out.set(c, at);
    }
  }
  return output(out, [g.n, g.o, g.outH, g.outW], x.dtype);
};

export const conv2dBackpropInput: KernelImpl<'Conv2DBackpropInput'> = ([dy, filter], attrs) => {
  const g = convGeometry(attrs.inputShape, filter.shape, attrs);
  const plane = g.outH * g.outW;
  const depth = g.cPerGroup * g.kh * g.kw;
  const size = g.n * g.c * g.h * g.w;
  const out = allocate(dy.dtype, size);
  const acc = out instanceof Float64Array ? out : new Float64Array(size);
  const cols = columnBuffer(depth * plane);
  // W[g]^T: K x oPerGroup, read from the filter's [oPerGroup, K] block by swapped strides.
  const weightT: MatrixView = { data: valuesOf(filter), offset: 0, rowStride: 1, colStride: depth };
  const grad: MatrixView = { data: valuesOf(dy), offset: 0, rowStride: plane, colStride: 1 };
  for (let b = 0; b < g.n; b++) {
    for (let group = 0; group < attrs.groups; group++) {
      weightT.offset = group * g.oPerGroup * depth;
      grad.offset = (b * g.o + group * g.oPerGroup) * plane;
      gemm(depth, plane, g.oPerGroup, weightT, grad, cols, 0, false);
      col2imAdd(g, cols, acc, (b * g.c + group * g.cPerGroup) * g.h * g.w);
    }
  }
  if (acc !== out) out.set(acc);
  return output(out, attrs.inputShape, dy.dtype);
};

export const conv2dBackpropFilter: KernelImpl<'Conv2DBackpropFilter'> = ([x, dy], attrs) => {
  const g = convGeometry(x.shape, attrs.filterShape, attrs);
  const input = valuesOf(x);
  const plane = g.outH * g.outW;
  const depth = g.cPerGroup * g.kh * g.kw;
  const size = g.o * depth;
  const out = allocate(x.dtype, size);
  const acc = out instanceof Float64Array ? out : new Float64Array(size);
  const cols = columnBuffer(depth * plane);
  const grad: MatrixView = { data: valuesOf(dy), offset: 0, rowStride: plane, colStride: 1 };
  // cols^T: P x K, read from the K x P column matrix by swapped strides.
  const columnsT: MatrixView = { data: cols, offset: 0, rowStride: 1, colStride: plane };
  for (let b = 0; b < g.n; b++) {
    for (let group = 0; group < attrs.groups; group++) {
      im2col(g, input, (b * g.c + group * g.cPerGroup) * g.h * g.w, cols);
      grad.offset = (b * g.o + group * g.oPerGroup) * plane;
      const at = group * g.oPerGroup * depth;
      gemm(g.oPerGroup, depth, plane, grad, columnsT, acc, at, b > 0);
    }
  }
  if (acc !== out) out.set(acc);
  return output(out, attrs.filterShape, x.dtype);
};
