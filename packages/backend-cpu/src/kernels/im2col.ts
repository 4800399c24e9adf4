import type { Conv2DAttrs, TypedArray } from '@metagrad/core';
import { simdLoops } from './simd_rows.js';

/** A column matrix or an accumulator of the convolutions: float32 or float64 elements. */
export type FloatArray = Float32Array | Float64Array;

/** The sizes of a 2-D convolution, from the input and filter shapes and the attributes. */
export interface ConvGeometry {
  n: number;
  c: number;
  h: number;
  w: number;
  o: number;
  kh: number;
  kw: number;
  outH: number;
  outW: number;
  cPerGroup: number;
  oPerGroup: number;
  stride: [number, number];
  dilation: [number, number];
  top: number;
  left: number;
}

export function convGeometry(
  inputShape: readonly number[],
  filterShape: readonly number[],
  attrs: Conv2DAttrs,
): ConvGeometry {
  const [n, c, h, w] = inputShape;
  const [o, , kh, kw] = filterShape;
  const [sh, sw] = attrs.stride;
  const [dh, dw] = attrs.dilation;
  const [top, bottom, left, right] = attrs.padding;
  return {
    n,
    c,
    h,
    w,
    o,
    kh,
    kw,
    outH: Math.floor((h + top + bottom - dh * (kh - 1) - 1) / sh) + 1,
    outW: Math.floor((w + left + right - dw * (kw - 1) - 1) / sw) + 1,
    cPerGroup: c / attrs.groups,
    oPerGroup: o / attrs.groups,
    stride: [sh, sw],
    dilation: [dh, dw],
    top,
    left,
  };
}

/** Lists the geometry in the order of the WebAssembly loops' parameters (elementwise_runtime.ts). */
function sizes(g: ConvGeometry): number[] {
  return [
    g.cPerGroup,
    g.h,
    g.w,
    g.kh,
    g.kw,
    g.outH,
    g.outW,
    g.stride[0],
    g.stride[1],
    g.dilation[0],
    g.dilation[1],
    g.top,
    g.left,
  ];
}

/**
 * The output columns [start, end) whose input column `ox * sw - left + kx * dw` lies inside
 * the image, so the copy loops need no bounds test.
 */
function columnRange(g: ConvGeometry, kx: number): [number, number] {
  const sw = g.stride[1];
  const xOffset = kx * g.dilation[1] - g.left;
  const start = Math.max(0, Math.ceil(-xOffset / sw));
  const end = Math.min(g.outW, Math.floor((g.w - 1 - xOffset) / sw) + 1);
  return [start, Math.max(start, end)];
}

/**
 * Unfolds the channels [c0, c0 + cPerGroup) of one image into a block of columns of the column
 * matrix: cols[row * ld + colBase + oy * outW + ox] = x[c0 + c][iy][ix] for the row
 * (c * kh + ky) * kw + kx, zero where the tap falls in the padding. `inBase` is the flat offset
 * of the image's channel c0. Images side by side (`colBase` = image * outH * outW, `ld` = their
 * total width) make one wide matrix, so a whole batch is one matrix product.
 */
export function im2col(
  g: ConvGeometry,
  input: TypedArray,
  inBase: number,
  cols: FloatArray,
  ld: number,
  colBase: number,
): void {
  const unfold = simdLoops(input, cols)?.unfold;
  if (unfold) {
    unfold.im2col(input.byteOffset + 4 * inBase, cols.byteOffset + 4 * colBase, ld, ...sizes(g));
    return;
  }
  // With unit strides and output rows as wide as input rows, each row of the column matrix is
  // one contiguous span of the input channel, apart from the padding.
  const dense = g.stride[0] === 1 && g.stride[1] === 1 && g.outW === g.w;
  let row = 0;
  for (let c = 0; c < g.cPerGroup; c++) {
    const channel = inBase + c * g.h * g.w;
    for (let ky = 0; ky < g.kh; ky++) {
      for (let kx = 0; kx < g.kw; kx++) {
        const rowBase = row * ld + colBase;
        if (dense) unfoldDenseRow(g, input, channel, ky, kx, cols, rowBase);
        else unfoldRow(g, input, channel, ky, kx, cols, rowBase);
        row++;
      }
    }
  }
}

/** Writes the row of tap (ky, kx) of one channel, one output row at a time. */
function unfoldRow(
  g: ConvGeometry,
  input: TypedArray,
  channel: number,
  ky: number,
  kx: number,
  cols: FloatArray,
  rowBase: number,
): void {
  const [sh, sw] = g.stride;
  const [start, end] = columnRange(g, kx);
  const xOffset = kx * g.dilation[1] - g.left;
  for (let oy = 0; oy < g.outH; oy++) {
    const at = rowBase + oy * g.outW;
    const iy = oy * sh - g.top + ky * g.dilation[0];
    if (iy < 0 || iy >= g.h) {
      cols.fill(0, at, at + g.outW);
      continue;
    }
    const from = channel + iy * g.w + xOffset;
    for (let ox = 0; ox < start; ox++) cols[at + ox] = 0;
    for (let ox = start; ox < end; ox++) cols[at + ox] = input[from + ox * sw];
    for (let ox = end; ox < g.outW; ox++) cols[at + ox] = 0;
  }
}

/**
 * Writes the row of tap (ky, kx) of one channel where both strides are 1 and outW === w. The
 * output rows that read the image are then one contiguous span of the channel, copied with
 * `TypedArray.set`. That halved im2col's time for 14 x 14 images and 3 x 3 filters, against an
 * element loop per output row. The span also carries pixels of the neighbouring input rows into the columns that fall in
 * the left and right padding, so those are cleared afterwards.
 */
function unfoldDenseRow(
  g: ConvGeometry,
  input: TypedArray,
  channel: number,
  ky: number,
  kx: number,
  cols: FloatArray,
  rowBase: number,
): void {
  const { outH, outW } = g;
  const [start, end] = columnRange(g, kx);
  const xOffset = kx * g.dilation[1] - g.left;
  const yOffset = ky * g.dilation[0] - g.top;
  // Output rows [first, last) read input rows iy = oy + yOffset inside the image.
  const first = Math.max(0, -yOffset);
  const last = Math.min(outH, g.h - yOffset);
  if (last <= first || end <= start) {
    cols.fill(0, rowBase, rowBase + outH * outW);
    return;
  }
  cols.fill(0, rowBase, rowBase + first * outW);
  cols.fill(0, rowBase + last * outW, rowBase + outH * outW);
  const to = rowBase + first * outW + start;
  const length = (last - first - 1) * outW + end - start;
  const from = channel + (first + yOffset) * g.w + xOffset + start;
  cols.set(input.subarray(from, from + length), to);
  for (let oy = first; oy < last; oy++) {
    const at = rowBase + oy * outW;
    for (let ox = 0; ox < start; ox++) cols[at + ox] = 0;
    for (let ox = end; ox < outW; ox++) cols[at + ox] = 0;
  }
}

/**
 * The adjoint of `im2col`: adds every entry of one image's block of columns back onto the input
 * pixel it came from.
 */
export function col2imAdd(
  g: ConvGeometry,
  cols: FloatArray,
  ld: number,
  colBase: number,
  acc: FloatArray,
  inBase: number,
): void {
  const unfold = simdLoops(acc, cols)?.unfold;
  if (unfold) {
    unfold.col2imAdd(acc.byteOffset + 4 * inBase, cols.byteOffset + 4 * colBase, ld, ...sizes(g));
    return;
  }
  const [sh, sw] = g.stride;
  const [dh, dw] = g.dilation;
  let row = 0;
  for (let c = 0; c < g.cPerGroup; c++) {
    const channel = inBase + c * g.h * g.w;
    for (let ky = 0; ky < g.kh; ky++) {
      for (let kx = 0; kx < g.kw; kx++) {
        const [start, end] = columnRange(g, kx);
        const xOffset = kx * dw - g.left;
        const rowBase = row * ld + colBase;
        for (let oy = 0; oy < g.outH; oy++) {
          const iy = oy * sh - g.top + ky * dh;
          if (iy < 0 || iy >= g.h) continue;
          const at = rowBase + oy * g.outW;
          const to = channel + iy * g.w + xOffset;
          for (let ox = start; ox < end; ox++) acc[to + ox * sw] += cols[at + ox];
        }
        row++;
      }
    }
  }
}
