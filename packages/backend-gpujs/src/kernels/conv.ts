import type { Conv2DAttrs, KernelImpl } from '@metagrad/core';
import type { KernelSource } from '../codegen.js';
import { affine } from './layout.js';
import { mapKernel, shareStorage } from './map.js';
import { reduce } from './reduce.js';

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
  };
}

/** Emits `floor(value / divisor)` for a whole, non-negative value, exact in float32. */
function groupOf(k: KernelSource, value: string, divisor: number): string {
  return k.divmod(value, divisor)[0];
}

/** out[b, oc, oy, ox] = sum over the group's channels and taps of x * weight. */
export const conv2d: KernelImpl<'Conv2D'> = ([x, filter], attrs, backend) => {
  const g = geometry(x.shape, filter.shape, attrs);
  const [sh, sw] = attrs.stride;
  const [dh, dw] = attrs.dilation;
  const top = attrs.padding[0];
  const left = attrs.padding[2];
  return mapKernel(backend, 'conv2d', [g.n, g.o, g.outH, g.outW], x.dtype, (k, [b, oc, oy, ox]) => {
    const input = k.input(x);
    const weight = k.input(filter);
    const channel0 = k.variable(`${groupOf(k, oc, g.oPerGroup)} * ${g.cPerGroup}`);
    const acc = k.variable(0);
    k.loop(g.cPerGroup, (c) => {
      k.loop(g.kh, (ky) => {
        const iy = k.variable(`${oy} * ${sh} + ${ky} * ${dh} - ${top}`);
        k.branch(`${iy} >= 0 && ${iy} < ${g.h}`, () => {
          k.loop(g.kw, (kx) => {
            const ix = k.variable(`${ox} * ${sw} + ${kx} * ${dw} - ${left}`);
            k.branch(`${ix} >= 0 && ${ix} < ${g.w}`, () => {
              const xv = k.read(input, [b, `${channel0} + ${c}`, iy, ix]);
              const wv = k.read(weight, [oc, c, ky, kx]);
              k.line(`${acc} = ${acc} + ${xv} * ${wv};`);
            });
          });
        });
      });
    });
    return acc;
  });
};

/**
 * dx[b, ci, iy, ix] = sum of dy[b, oc, oy, ox] * weight[oc, ci % cPerGroup, ky, kx] over the
 * taps with oy * stride + ky * dilation - pad = iy (and the same for x), written as a gather
 * over (oc, ky, kx) with a divisibility test for the stride.
 */
export const conv2dBackpropInput: KernelImpl<'Conv2DBackpropInput'> = (
  [dy, filter],
  attrs,
  backend,
) => {
  const g = geometry(attrs.inputShape, filter.shape, attrs);
  const [sh, sw] = attrs.stride;
  const [dh, dw] = attrs.dilation;
  const top = attrs.padding[0];
  const left = attrs.padding[2];
  return mapKernel(backend, 'conv2d backward (input)', attrs.inputShape, dy.dtype, (k, coords) => {
    const [b, ci, iy, ix] = coords;
    const grad = k.input(dy);
    const weight = k.input(filter);
    const [group, cLocal] = k.divmod(ci, g.cPerGroup);
    const oc0 = k.variable(`${group} * ${g.oPerGroup}`);
    const acc = k.variable(0);
    k.loop(g.kh, (ky) => {
      const ty = k.variable(`${iy} + ${top} - ${ky} * ${dh}`);
      k.branch(`${ty} >= 0`, () => {
        const [oy, ry] = k.divmod(ty, sh);
        k.branch(`${ry} === 0 && ${oy} < ${g.outH}`, () => {
          k.loop(g.kw, (kx) => {
            const tx = k.variable(`${ix} + ${left} - ${kx} * ${dw}`);
            k.branch(`${tx} >= 0`, () => {
              const [ox, rx] = k.divmod(tx, sw);
              k.branch(`${rx} === 0 && ${ox} < ${g.outW}`, () => {
                k.loop(g.oPerGroup, (o) => {
                  const oc = k.variable(`${oc0} + ${o}`);
                  const gv = k.read(grad, [b, oc, oy, ox]);
                  const wv = k.read(weight, [oc, cLocal, ky, kx]);
                  k.line(`${acc} = ${acc} + ${gv} * ${wv};`);
                });
              });
            });
          });
        });
      });
    });
    return acc;
  });
};

/**
 * dWeight[oc, c, ky, kx] = sum over the batch and output positions of dy * x. One kernel
 * writes a partial sum per batch item ([N, ...filterShape]); a tree reduction adds them.
 */
export const conv2dBackpropFilter: KernelImpl<'Conv2DBackpropFilter'> = (
  [x, dy],
  attrs,
  backend,
) => {
  const g = geometry(x.shape, attrs.filterShape, attrs);
  const [sh, sw] = attrs.stride;
  const [dh, dw] = attrs.dilation;
  const top = attrs.padding[0];
  const left = attrs.padding[2];
  const shape = [g.n, ...attrs.filterShape];
  const partials = mapKernel(backend, 'conv2d backward (weight)', shape, x.dtype, (k, coords) => {
    const [b, oc, c, ky, kx] = coords;
    const input = k.input(x);
    const grad = k.input(dy);
    const channel = k.variable(`${groupOf(k, oc, g.oPerGroup)} * ${g.cPerGroup} + ${c}`);
    const rowOffset = k.variable(`${ky} * ${dh} - ${top}`);
    const colOffset = k.variable(`${kx} * ${dw} - ${left}`);
    const acc = k.variable(0);
    k.loop(g.outH, (oy) => {
      const iy = k.variable(`${affine(oy, sh, 0)} + ${rowOffset}`);
      k.branch(`${iy} >= 0 && ${iy} < ${g.h}`, () => {
        k.loop(g.outW, (ox) => {
          const ix = k.variable(`${affine(ox, sw, 0)} + ${colOffset}`);
          k.branch(`${ix} >= 0 && ${ix} < ${g.w}`, () => {
            const gv = k.read(grad, [b, oc, oy, ox]);
            const xv = k.read(input, [b, channel, iy, ix]);
            k.line(`${acc} = ${acc} + ${gv} * ${xv};`);
          });
        });
      });
    });
    return acc;
  });
  if (g.n === 1) return shareStorage(partials, attrs.filterShape, x.dtype);
  const out = reduce([partials], { op: 'sum', axes: [0] }, backend);
  backend.disposeData(partials.dataId);
  return out;
};
