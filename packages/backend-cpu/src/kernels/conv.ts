import type { Conv2DAttrs, KernelImpl, TypedArray } from '@metagrad/core';
import { allocate, output, valuesOf } from '../backend.js';

interface Geometry {
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
}

function geometry(
  inputShape: readonly number[],
  filterShape: readonly number[],
  attrs: Conv2DAttrs,
): Geometry {
  const [n, c, h, w] = inputShape;
  const [o, , kh, kw] = filterShape;
  const [sh, sw] = attrs.stride;
  const [dh, dw] = attrs.dilation;
  const [top, bottom, left, right] = attrs.padding;
  const outH = Math.floor((h + top + bottom - dh * (kh - 1) - 1) / sh) + 1;
  const outW = Math.floor((w + left + right - dw * (kw - 1) - 1) / sw) + 1;
  return {
    n,
    c,
    h,
    w,
    o,
    kh,
    kw,
    outH,
    outW,
    cPerGroup: c / attrs.groups,
    oPerGroup: o / attrs.groups,
  };
}

/**
 * Visits every (output position, kernel tap) pair that reads a real input pixel, calling
 * `body(outIndex, inIndex)` with flat offsets inside one channel plane. Kept as one helper so
 * the three convolution kernels agree exactly on padding, stride and dilation.
 */
function forEachTap(
  g: Geometry,
  attrs: Conv2DAttrs,
  ky: number,
  kx: number,
  body: (outIndex: number, inIndex: number) => void,
): void {
  const [sh, sw] = attrs.stride;
  const [dh, dw] = attrs.dilation;
  const top = attrs.padding[0];
  const left = attrs.padding[2];
  for (let oy = 0; oy < g.outH; oy++) {
    const iy = oy * sh - top + ky * dh;
    if (iy < 0 || iy >= g.h) continue;
    for (let ox = 0; ox < g.outW; ox++) {
      const ix = ox * sw - left + kx * dw;
      if (ix < 0 || ix >= g.w) continue;
      body(oy * g.outW + ox, iy * g.w + ix);
    }
  }
}

export const conv2d: KernelImpl<'Conv2D'> = ([x, filter], attrs) => {
  const g = geometry(x.shape, filter.shape, attrs);
  const input = valuesOf(x);
  const weight = valuesOf(filter);
  const plane = g.outH * g.outW;
  const out = allocate(x.dtype, g.n * g.o * plane);
  const acc = new Float64Array(plane);
  for (let b = 0; b < g.n; b++) {
    for (let oc = 0; oc < g.o; oc++) {
      acc.fill(0);
      const group = Math.floor(oc / g.oPerGroup);
      for (let c = 0; c < g.cPerGroup; c++) {
        const inBase = (b * g.c + group * g.cPerGroup + c) * g.h * g.w;
        for (let ky = 0; ky < g.kh; ky++) {
          for (let kx = 0; kx < g.kw; kx++) {
            const wv = weight[((oc * g.cPerGroup + c) * g.kh + ky) * g.kw + kx];
            accumulateTap(g, attrs, ky, kx, acc, input, inBase, wv);
          }
        }
      }
      out.set(acc, (b * g.o + oc) * plane);
    }
  }
  return output(out, [g.n, g.o, g.outH, g.outW], x.dtype);
};

/** acc[out] += wv * input[inBase + in] over one kernel tap: the hot loop, written without callbacks. */
function accumulateTap(
  g: Geometry,
  attrs: Conv2DAttrs,
  ky: number,
  kx: number,
  acc: Float64Array,
  input: TypedArray,
  inBase: number,
  wv: number,
): void {
  const [sh, sw] = attrs.stride;
  const [dh, dw] = attrs.dilation;
  const top = attrs.padding[0];
  const left = attrs.padding[2];
  const xOffset = kx * dw - left;
  // The output columns whose input column lies inside the image, so the inner loop has no test.
  const oxStart = Math.max(0, Math.ceil(-xOffset / sw));
  const oxEnd = Math.min(g.outW, Math.floor((g.w - 1 - xOffset) / sw) + 1);
  for (let oy = 0; oy < g.outH; oy++) {
    const iy = oy * sh - top + ky * dh;
    if (iy < 0 || iy >= g.h) continue;
    const rowIn = inBase + iy * g.w + xOffset;
    const rowOut = oy * g.outW;
    for (let ox = oxStart; ox < oxEnd; ox++) acc[rowOut + ox] += wv * input[rowIn + ox * sw];
  }
}

export const conv2dBackpropInput: KernelImpl<'Conv2DBackpropInput'> = ([dy, filter], attrs) => {
  const g = geometry(attrs.inputShape, filter.shape, attrs);
  const grad = valuesOf(dy);
  const weight = valuesOf(filter);
  const plane = g.outH * g.outW;
  const inPlane = g.h * g.w;
  const acc = new Float64Array(g.n * g.c * inPlane);
  for (let b = 0; b < g.n; b++) {
    for (let oc = 0; oc < g.o; oc++) {
      const group = Math.floor(oc / g.oPerGroup);
      const dyBase = (b * g.o + oc) * plane;
      for (let c = 0; c < g.cPerGroup; c++) {
        const inBase = (b * g.c + group * g.cPerGroup + c) * inPlane;
        for (let ky = 0; ky < g.kh; ky++) {
          for (let kx = 0; kx < g.kw; kx++) {
            const wv = weight[((oc * g.cPerGroup + c) * g.kh + ky) * g.kw + kx];
            forEachTap(g, attrs, ky, kx, (o, i) => {
              acc[inBase + i] += wv * grad[dyBase + o];
            });
          }
        }
      }
    }
  }
  const out = allocate(dy.dtype, acc.length);
  out.set(acc);
  return output(out, attrs.inputShape, dy.dtype);
};

export const conv2dBackpropFilter: KernelImpl<'Conv2DBackpropFilter'> = ([x, dy], attrs) => {
  const g = geometry(x.shape, attrs.filterShape, attrs);
  const input = valuesOf(x);
  const grad = valuesOf(dy);
  const plane = g.outH * g.outW;
  const inPlane = g.h * g.w;
  const out = allocate(x.dtype, g.o * g.cPerGroup * g.kh * g.kw);
  for (let oc = 0; oc < g.o; oc++) {
    const group = Math.floor(oc / g.oPerGroup);
    for (let c = 0; c < g.cPerGroup; c++) {
      for (let ky = 0; ky < g.kh; ky++) {
        for (let kx = 0; kx < g.kw; kx++) {
          let sum = 0;
          for (let b = 0; b < g.n; b++) {
            const dyBase = (b * g.o + oc) * plane;
            const inBase = (b * g.c + group * g.cPerGroup + c) * inPlane;
            forEachTap(g, attrs, ky, kx, (o, i) => {
              sum += grad[dyBase + o] * input[inBase + i];
            });
          }
          out[((oc * g.cPerGroup + c) * g.kh + ky) * g.kw + kx] = sum;
        }
      }
    }
  }
  return output(out, attrs.filterShape, x.dtype);
};
