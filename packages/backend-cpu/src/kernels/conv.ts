import type { KernelImpl, TypedArray } from '@metagrad/core';
import { allocate, output, valuesOf } from '../backend.js';
import { allocateOutput, release } from '../pool.js';
import { gemm, type MatrixView } from './gemm.js';
import { gemmF32 } from './gemm_f32.js';
import { type ConvGeometry, col2imAdd, convGeometry, type FloatArray, im2col } from './im2col.js';

// The three convolutions are matrix products over the im2col matrix of a chunk of images
// side by side, per group, with K = cPerGroup * kH * kW rows and `width` = images * P columns
// (P = outH * outW):
//   forward         y[:, g]  = W[g] (oPerGroup x K)  @ cols[g] (K x width)
//   input gradient  dx[:, g] = col2im(W[g]^T @ dy[:, g] (oPerGroup x width))
//   filter gradient dW[g]    = dy[:, g] @ cols[g]^T, summed over the chunks
// One product per chunk instead of one per image packs the filter once and keeps the products
// wide where the planes are small (a 2x2 output has P = 4). Every product sum runs over the
// same terms in the same order as one product per image. Float32 tensors are unfolded, summed
// and accumulated in float32 (`gemmF32`), and float64 tensors in float64 (`gemm`).

/**
 * Column matrix elements per chunk of float64 images (16 MB, in two buffers): bounds the
 * scratch memory.
 */
const CHUNK_ELEMENTS = 1 << 21;

/**
 * Column matrix elements per chunk of float32 images (1 MB). A chunk this small stays in the
 * last-level cache between im2col and the packing that reads it back. On a 2-core AMD EPYC
 * (512 KiB L2 per core, 8 MiB L3), conv2d of [25,64,14,14] with 64 3x3 filters, forward and
 * both gradients on one thread, took 2 to 6% less time than with 1 << 22, 1 << 20 or 1 << 16
 * (medians of 30 interleaved runs).
 */
const CHUNK_ELEMENTS_F32 = 1 << 18;

/**
 * Scratch buffers of each precision, grown on demand and reused between calls: the column
 * matrix, and one oPerGroup x width matrix (the forward product, or the gathered output
 * gradient), each twice. While the product of one chunk runs, the next chunk is unfolded or
 * gathered into the other buffer of the pair (see `matrixProduct`).
 */
const scratch64 = {
  columns: new Float64Array(0),
  columnsNext: new Float64Array(0),
  outputRows: new Float64Array(0),
  outputRowsNext: new Float64Array(0),
};
const scratch32: Record<keyof typeof scratch64, Float32Array<ArrayBufferLike>> = {
  columns: new Float32Array(0),
  columnsNext: new Float32Array(0),
  outputRows: new Float32Array(0),
  outputRowsNext: new Float32Array(0),
};

/** Returns a scratch buffer of `size` elements, float32 when `float32` is set, else float64. */
function buffer(float32: boolean, name: keyof typeof scratch64, size: number): FloatArray {
  if (float32) {
    // In the tensor heap where there is room, so that im2col runs on its WebAssembly loop.
    if (scratch32[name].length < size) {
      release(scratch32[name]);
      scratch32[name] = allocateOutput('float32', size, false) as Float32Array;
    }
    return scratch32[name];
  }
  if (scratch64[name].length < size) scratch64[name] = new Float64Array(size);
  return scratch64[name];
}

/** Returns the two buffers of a scratch pair, as `buffer` does for one. */
function bufferPair(
  float32: boolean,
  name: 'columns' | 'outputRows',
  size: number,
): [FloatArray, FloatArray] {
  return [buffer(float32, name, size), buffer(float32, `${name}Next`, size)];
}

/**
 * C (+)= A B in the precision of C: float32 sums for a Float32Array, float64 otherwise. Runs
 * `overlap`, which must not touch A, B or C, before it returns: on this thread while the GEMM
 * helper thread computes part of the product, where there is one.
 */
function matrixProduct(
  m: number,
  n: number,
  k: number,
  a: MatrixView,
  b: MatrixView,
  c: FloatArray,
  cOffset: number,
  accumulate: boolean,
  overlap?: () => void,
): void {
  if (c instanceof Float32Array) gemmF32(m, n, k, a, b, c, cOffset, accumulate, overlap);
  else {
    gemm(m, n, k, a, b, c, cOffset, accumulate);
    overlap?.();
  }
}

/**
 * Returns the array that a gradient kernel accumulates into: the output itself when it is a
 * float array, else a new float64 array that the caller copies into the output.
 */
function accumulatorFor(out: TypedArray): FloatArray {
  if (out instanceof Float32Array || out instanceof Float64Array) return out;
  return new Float64Array(out.length);
}

/** Images per chunk, so that a chunk's column matrix stays under its dtype's chunk size. */
function imagesPerChunk(g: ConvGeometry, float32: boolean): number {
  const perImage = g.cPerGroup * g.kh * g.kw * g.outH * g.outW;
  const limit = float32 ? CHUNK_ELEMENTS_F32 : CHUNK_ELEMENTS;
  return Math.max(1, Math.min(g.n, Math.floor(limit / Math.max(1, perImage))));
}

/** Offset of channel `channel` of image `image` in an NCHW tensor of `channels` planes. */
function planeAt(image: number, channels: number, channel: number, plane: number): number {
  return (image * channels + channel) * plane;
}

/** Copies dy[b0 + j, group's channels] into rows of an oPerGroup x (images * P) matrix. */
function gatherGrads(
  g: ConvGeometry,
  dy: TypedArray,
  group: number,
  b0: number,
  images: number,
  into: FloatArray,
): void {
  const plane = g.outH * g.outW;
  const width = images * plane;
  for (let oo = 0; oo < g.oPerGroup; oo++) {
    for (let j = 0; j < images; j++) {
      const from = planeAt(b0 + j, g.o, group * g.oPerGroup + oo, plane);
      const to = oo * width + j * plane;
      for (let p = 0; p < plane; p++) into[to + p] = dy[from + p];
    }
  }
}

/** Unfolds images [b0, b0 + images) of one group side by side into a K x (images * P) matrix. */
function unfoldImages(
  g: ConvGeometry,
  input: TypedArray,
  group: number,
  b0: number,
  images: number,
  cols: FloatArray,
): void {
  const plane = g.outH * g.outW;
  for (let j = 0; j < images; j++) {
    const from = planeAt(b0 + j, g.c, group * g.cPerGroup, g.h * g.w);
    im2col(g, input, from, cols, images * plane, j * plane);
  }
}

export const conv2d: KernelImpl<'Conv2D'> = ([x, filter], attrs) => {
  const g = convGeometry(x.shape, filter.shape, attrs);
  const input = valuesOf(x);
  const plane = g.outH * g.outW;
  const depth = g.cPerGroup * g.kh * g.kw;
  const out = allocate(x.dtype, g.n * g.o * plane);
  const float32 = out instanceof Float32Array;
  const chunk = imagesPerChunk(g, float32);
  const cols = bufferPair(float32, 'columns', depth * chunk * plane);
  const product = buffer(float32, 'outputRows', g.oPerGroup * chunk * plane);
  const weight: MatrixView = { data: valuesOf(filter), offset: 0, rowStride: depth, colStride: 1 };
  const columnView: MatrixView = { data: cols[0], offset: 0, rowStride: 0, colStride: 1 };
  const unfoldChunk = (group: number, b0: number, into: FloatArray) =>
    unfoldImages(g, input, group, b0, Math.min(chunk, g.n - b0), into);
  for (let group = 0; group < attrs.groups; group++) {
    weight.offset = group * g.oPerGroup * depth;
    unfoldChunk(group, 0, cols[0]);
    for (let b0 = 0, turn = 0; b0 < g.n; b0 += chunk, turn ^= 1) {
      const images = Math.min(chunk, g.n - b0);
      const width = images * plane;
      const next = b0 + chunk;
      const unfoldNext = next < g.n ? () => unfoldChunk(group, next, cols[turn ^ 1]) : undefined;
      columnView.data = cols[turn];
      columnView.rowStride = width;
      matrixProduct(g.oPerGroup, width, depth, weight, columnView, product, 0, false, unfoldNext);
      for (let oo = 0; oo < g.oPerGroup; oo++) {
        for (let j = 0; j < images; j++) {
          const to = planeAt(b0 + j, g.o, group * g.oPerGroup + oo, plane);
          const from = oo * width + j * plane;
          for (let p = 0; p < plane; p++) out[to + p] = product[from + p];
        }
      }
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
  const acc = accumulatorFor(out);
  const float32 = acc instanceof Float32Array;
  const chunk = imagesPerChunk(g, float32);
  const cols = bufferPair(float32, 'columns', depth * chunk * plane);
  const grads = bufferPair(float32, 'outputRows', g.oPerGroup * chunk * plane);
  // W[g]^T: K x oPerGroup, read from the filter's [oPerGroup, K] block by swapped strides.
  const weightT: MatrixView = { data: valuesOf(filter), offset: 0, rowStride: 1, colStride: depth };
  const gradView: MatrixView = { data: grads[0], offset: 0, rowStride: 0, colStride: 1 };
  const dyValues = valuesOf(dy);
  const gatherChunk = (group: number, b0: number, into: FloatArray) =>
    gatherGrads(g, dyValues, group, b0, Math.min(chunk, g.n - b0), into);
  // Adds the columns of the chunk from image b0 back onto the input gradient.
  const foldChunk = (group: number, b0: number, from: FloatArray) => {
    const images = Math.min(chunk, g.n - b0);
    for (let j = 0; j < images; j++) {
      const to = planeAt(b0 + j, g.c, group * g.cPerGroup, g.h * g.w);
      col2imAdd(g, from, images * plane, j * plane, acc, to);
    }
  };
  for (let group = 0; group < attrs.groups; group++) {
    weightT.offset = group * g.oPerGroup * depth;
    gatherChunk(group, 0, grads[0]);
    let b0 = 0;
    let turn = 0;
    for (; b0 < g.n; b0 += chunk, turn ^= 1) {
      const width = Math.min(chunk, g.n - b0) * plane;
      const [previous, next, other] = [b0 - chunk, b0 + chunk, turn ^ 1];
      // While this chunk's product runs: fold the previous chunk, gather the next one.
      const overlap = () => {
        if (previous >= 0) foldChunk(group, previous, cols[other]);
        if (next < g.n) gatherChunk(group, next, grads[other]);
      };
      gradView.data = grads[turn];
      gradView.rowStride = width;
      matrixProduct(depth, width, g.oPerGroup, weightT, gradView, cols[turn], 0, false, overlap);
    }
    foldChunk(group, b0 - chunk, cols[turn ^ 1]);
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
  const acc = accumulatorFor(out);
  const float32 = acc instanceof Float32Array;
  const chunk = imagesPerChunk(g, float32);
  const cols = bufferPair(float32, 'columns', depth * chunk * plane);
  const grads = bufferPair(float32, 'outputRows', g.oPerGroup * chunk * plane);
  const gradView: MatrixView = { data: grads[0], offset: 0, rowStride: 0, colStride: 1 };
  // cols^T: width x K, read from the K x width column matrix by swapped strides.
  const columnsT: MatrixView = { data: cols[0], offset: 0, rowStride: 1, colStride: 0 };
  const dyValues = valuesOf(dy);
  // Unfolds the images and gathers the output gradient of the chunk from image b0.
  const prepareChunk = (group: number, b0: number, turn: number) => {
    const images = Math.min(chunk, g.n - b0);
    unfoldImages(g, input, group, b0, images, cols[turn]);
    gatherGrads(g, dyValues, group, b0, images, grads[turn]);
  };
  for (let group = 0; group < attrs.groups; group++) {
    const at = group * g.oPerGroup * depth;
    prepareChunk(group, 0, 0);
    for (let b0 = 0, turn = 0; b0 < g.n; b0 += chunk, turn ^= 1) {
      const width = Math.min(chunk, g.n - b0) * plane;
      const next = b0 + chunk;
      const prepareNext = next < g.n ? () => prepareChunk(group, next, turn ^ 1) : undefined;
      gradView.data = grads[turn];
      gradView.rowStride = width;
      columnsT.data = cols[turn];
      columnsT.colStride = width;
      matrixProduct(g.oPerGroup, depth, width, gradView, columnsT, acc, at, b0 > 0, prepareNext);
    }
  }
  if (acc !== out) out.set(acc);
  return output(out, attrs.filterShape, x.dtype);
};
