import type { KernelImpl } from '@metagrad/core';
import { sizeOf } from '@metagrad/core';
import { mapKernel } from './map.js';

// A shader cannot scatter (write to a computed address), so the two adding kernels gather
// instead: each output element loops over the index entries and adds the sources that
// point at it. The cost grows with output size times index length along the axis.

export const gather: KernelImpl<'Gather'> = ([x, index], { axis }, backend) =>
  mapKernel(backend, 'gather', index.shape, x.dtype, (k, coords) => {
    const position = k.read(k.input(index), coords);
    const xCoords = [...coords];
    xCoords[axis] = position;
    return k.read(k.input(x), xCoords);
  });

export const scatterAdd: KernelImpl<'ScatterAdd'> = ([src, index], { axis, shape }, backend) =>
  mapKernel(backend, 'scatterAdd', shape, src.dtype, (k, coords) => {
    const acc = k.variable(0);
    if (sizeOf(index.shape) === 0) return acc;
    // Output positions beyond the index's extent on another axis receive nothing.
    const covered = coords
      .map((c, d) => (d !== axis && index.shape[d] < shape[d] ? `${c} < ${index.shape[d]}` : ''))
      .filter((test) => test !== '');
    const body = () => {
      k.loop(index.shape[axis], (j) => {
        const at = [...coords];
        at[axis] = j;
        const target = k.read(k.input(index), at);
        k.branch(`${target} === ${coords[axis]}`, () => {
          k.line(`${acc} = ${acc} + ${k.read(k.input(src), at)};`);
        });
      });
    };
    if (covered.length > 0) k.branch(covered.join(' && '), body);
    else body();
    return acc;
  });

export const indexSelect: KernelImpl<'IndexSelect'> = ([x, index], { axis }, backend) => {
  const shape = [...x.shape];
  shape[axis] = index.shape[0];
  return mapKernel(backend, 'indexSelect', shape, x.dtype, (k, coords) => {
    const position = k.read(k.input(index), [coords[axis]]);
    const xCoords = [...coords];
    xCoords[axis] = position;
    return k.read(k.input(x), xCoords);
  });
};

export const indexAdd: KernelImpl<'IndexAdd'> = ([src, index], { axis, size }, backend) => {
  const shape = [...src.shape];
  shape[axis] = size;
  return mapKernel(backend, 'indexAdd', shape, src.dtype, (k, coords) => {
    const acc = k.variable(0);
    k.loop(index.shape[0], (j) => {
      const target = k.read(k.input(index), [j]);
      k.branch(`${target} === ${coords[axis]}`, () => {
        const at = [...coords];
        at[axis] = j;
        k.line(`${acc} = ${acc} + ${k.read(k.input(src), at)};`);
      });
    });
    return acc;
  });
};
