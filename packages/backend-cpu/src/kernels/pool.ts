import type { KernelImpl, Pool2DAttrs } from '@metagrad/core';
import { allocate, output, valuesOf } from '../backend.js';

/**
 * The input rows (or columns) a window covers, with PyTorch's average-pooling divisor: the
 * window clipped to the padded input counts when padding is included, else only real pixels.
 */
function windowRange(o: number, stride: number, pad: number, kernel: number, size: number) {
  const start = o * stride - pad;
  const paddedEnd = Math.min(start + kernel, size + pad);
  return {
    start: Math.max(start, 0),
    end: Math.min(paddedEnd, size),
    paddedSize: paddedEnd - start,
  };
}

export const maxPool2dArgmax: KernelImpl<'MaxPool2DArgmax'> = ([x], attrs) => {
  const [n, c, h, w] = x.shape;
  const [kh, kw] = attrs.kernelSize;
  const [sh, sw] = attrs.stride;
  const [dh, dw] = attrs.dilation;
  const [outH, outW] = attrs.outputSize;
  const top = attrs.padding[0];
  const left = attrs.padding[2];
  const a = valuesOf(x);
  const out = new Int32Array(n * c * outH * outW);
  for (let p = 0; p < n * c; p++) {
    const base = p * h * w;
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        let best = Number.NEGATIVE_INFINITY;
        let bestIndex = -1;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - top + ky * dh;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - left + kx * dw;
            if (ix < 0 || ix >= w) continue;
            const v = a[base + iy * w + ix];
            // The first maximum wins and a NaN wins outright, as in PyTorch.
            if (bestIndex < 0 || v > best || (v !== v && best === best)) {
              best = v;
              bestIndex = iy * w + ix;
            }
          }
        }
        out[(p * outH + oy) * outW + ox] = bestIndex;
      }
    }
  }
  return output(out, [n, c, outH, outW], 'int32');
};

export const avgPool2d: KernelImpl<'AvgPool2D'> = ([x], attrs) => {
  const [n, c, h, w] = x.shape;
  const [outH, outW] = attrs.outputSize;
  const a = valuesOf(x);
  const out = allocate(x.dtype, n * c * outH * outW);
  for (let p = 0; p < n * c; p++) {
    const base = p * h * w;
    for (let oy = 0; oy < outH; oy++) {
      const ry = windowRange(oy, attrs.stride[0], attrs.padding[0], attrs.kernelSize[0], h);
      for (let ox = 0; ox < outW; ox++) {
        const rx = windowRange(ox, attrs.stride[1], attrs.padding[2], attrs.kernelSize[1], w);
        let sum = 0;
        for (let iy = ry.start; iy < ry.end; iy++)
          for (let ix = rx.start; ix < rx.end; ix++) sum += a[base + iy * w + ix];
        out[(p * outH + oy) * outW + ox] = sum / divisor(attrs, ry, rx);
      }
    }
  }
  return output(out, [n, c, outH, outW], x.dtype);
};

function divisor(
  attrs: Pool2DAttrs,
  ry: ReturnType<typeof windowRange>,
  rx: ReturnType<typeof windowRange>,
): number {
  return attrs.countIncludePad
    ? ry.paddedSize * rx.paddedSize
    : (ry.end - ry.start) * (rx.end - rx.start);
}

export const avgPool2dBackprop: KernelImpl<'AvgPool2DBackprop'> = ([dy], attrs) => {
  const [n, c, h, w] = attrs.inputShape;
  const [outH, outW] = attrs.outputSize;
  const g = valuesOf(dy);
  const acc = new Float64Array(n * c * h * w);
  for (let p = 0; p < n * c; p++) {
    const base = p * h * w;
    for (let oy = 0; oy < outH; oy++) {
      const ry = windowRange(oy, attrs.stride[0], attrs.padding[0], attrs.kernelSize[0], h);
      for (let ox = 0; ox < outW; ox++) {
        const rx = windowRange(ox, attrs.stride[1], attrs.padding[2], attrs.kernelSize[1], w);
        const share = g[(p * outH + oy) * outW + ox] / divisor(attrs, ry, rx);
        for (let iy = ry.start; iy < ry.end; iy++)
          for (let ix = rx.start; ix < rx.end; ix++) acc[base + iy * w + ix] += share;
      }
    }
  }
  const out = allocate(dy.dtype, acc.length);
  out.set(acc);
  return output(out, attrs.inputShape, dy.dtype);
};
