import type { KernelImpl, Pool2DAttrs } from '@metagrad/core';
import type { KernelSource } from '../codegen.js';
import { mapKernel } from './map.js';

export const maxPool2dArgmax: KernelImpl<'MaxPool2DArgmax'> = ([x], attrs, backend) => {
  const [n, c, h, w] = x.shape;
  const [kh, kw] = attrs.kernelSize;
  const [sh, sw] = attrs.stride;
  const [dh, dw] = attrs.dilation;
  const [outH, outW] = attrs.outputSize;
  const top = attrs.padding[0];
  const left = attrs.padding[2];
  return mapKernel(backend, 'maxPool2d', [n, c, outH, outW], 'int32', (k, [b, ch, oy, ox]) => {
    const input = k.input(x);
    const best = k.scalar(Number.NEGATIVE_INFINITY);
    const bestValue = k.variable(best);
    const bestIndex = k.variable(-1);
    k.loop(kh, (ky) => {
      const iy = k.variable(`${oy} * ${sh} + ${ky} * ${dh} - ${top}`);
      k.branch(`${iy} >= 0 && ${iy} < ${h}`, () => {
        k.loop(kw, (kx) => {
          const ix = k.variable(`${ox} * ${sw} + ${kx} * ${dw} - ${left}`);
          k.branch(`${ix} >= 0 && ${ix} < ${w}`, () => {
            const v = k.read(input, [b, ch, iy, ix]);
            // The first maximum wins and a NaN wins outright, as in PyTorch.
            k.line(
              `if (${bestIndex} < 0 || ${v} > ${bestValue} || (${v} !== ${v} && ${bestValue} === ${bestValue})) { ${bestValue} = ${v}; ${bestIndex} = ${iy} * ${w} + ${ix}; }`,
            );
          });
        });
      });
    });
    return bestIndex;
  });
};

/**
 * Emits the first cell and the averaging divisor of the window at output position `o` along
 * one axis, with PyTorch's rule: the window clipped to the padded input counts when padding is
 * included, else only the real cells.
 */
function emitWindow(
  k: KernelSource,
  o: string,
  stride: number,
  pad: number,
  kernel: number,
  size: number,
  countIncludePad: boolean,
): { start: string; count: string } {
  const start = k.variable(`${o} * ${stride} - ${pad}`);
  const paddedEnd = k.variable(`Math.min(${start} + ${kernel}, ${size + pad})`);
  const count = countIncludePad
    ? k.variable(`${paddedEnd} - ${start}`)
    : k.variable(`Math.min(${paddedEnd}, ${size}) - Math.max(${start}, 0)`);
  return { start, count };
}

export const avgPool2d: KernelImpl<'AvgPool2D'> = ([x], attrs, backend) => {
  const [n, c, h, w] = x.shape;
  const [outH, outW] = attrs.outputSize;
  const [kh, kw] = attrs.kernelSize;
  return mapKernel(backend, 'avgPool2d', [n, c, outH, outW], x.dtype, (k, [b, ch, oy, ox]) => {
    const input = k.input(x);
    const ry = window(k, attrs, oy, 0, h);
    const rx = window(k, attrs, ox, 1, w);
    const sum = k.variable(0);
    k.loop(kh, (ky) => {
      const iy = k.variable(`${ry.start} + ${ky}`);
      k.branch(`${iy} >= 0 && ${iy} < ${h}`, () => {
        k.loop(kw, (kx) => {
          const ix = k.variable(`${rx.start} + ${kx}`);
          k.branch(`${ix} >= 0 && ${ix} < ${w}`, () => {
            k.line(`${sum} = ${sum} + ${k.read(input, [b, ch, iy, ix])};`);
          });
        });
      });
    });
    return `${sum} / (${ry.count} * ${rx.count})`;
  });
};

function window(k: KernelSource, attrs: Pool2DAttrs, o: string, axis: 0 | 1, size: number) {
  return emitWindow(
    k,
    o,
    attrs.stride[axis],
    attrs.padding[axis * 2],
    attrs.kernelSize[axis],
    size,
    attrs.countIncludePad,
  );
}

/**
 * dx[iy, ix] = sum over the windows that contain the cell of dy / divisor. A cell lies in the
 * window of output row oy when iy = oy * stride - pad + ky for some tap ky.
 */
export const avgPool2dBackprop: KernelImpl<'AvgPool2DBackprop'> = ([dy], attrs, backend) => {
  const [, , h, w] = attrs.inputShape;
  const [outH, outW] = attrs.outputSize;
  const [kh, kw] = attrs.kernelSize;
  const [sh, sw] = attrs.stride;
  const top = attrs.padding[0];
  const left = attrs.padding[2];
  return mapKernel(
    backend,
    'avgPool2d backward',
    attrs.inputShape,
    dy.dtype,
    (k, [b, ch, iy, ix]) => {
      const grad = k.input(dy);
      const acc = k.variable(0);
      k.loop(kh, (ky) => {
        const ty = k.variable(`${iy} + ${top} - ${ky}`);
        k.branch(`${ty} >= 0`, () => {
          const [oy, remY] = k.divmod(ty, sh);
          k.branch(`${remY} === 0 && ${oy} < ${outH}`, () => {
            const ry = window(k, attrs, oy, 0, h);
            k.loop(kw, (kx) => {
              const tx = k.variable(`${ix} + ${left} - ${kx}`);
              k.branch(`${tx} >= 0`, () => {
                const [ox, remX] = k.divmod(tx, sw);
                k.branch(`${remX} === 0 && ${ox} < ${outW}`, () => {
                  const rx = window(k, attrs, ox, 1, w);
                  const g = k.read(grad, [b, ch, oy, ox]);
                  k.line(`${acc} = ${acc} + ${g} / (${ry.count} * ${rx.count});`);
                });
              });
            });
          });
        });
      });
      return acc;
    },
  );
};
