import type { KernelImpl, TensorInfo } from '@metagrad/core';
import { sizeOf } from '@metagrad/core';
import { dataOf } from '../codegen.js';
import { mapKernel } from './map.js';

/**
 * The maximum number of texture arguments of one kernel. WebGL 1 guarantees 8 texture units in a
 * fragment shader, and gpu.js may add internal ones, so a concat of more chunks is done in
 * groups.
 */
const MAX_TEXTURE_ARGUMENTS = 8;

export const transpose: KernelImpl<'Transpose'> = ([x], { perm }, backend) => {
  const shape = perm.map((p) => x.shape[p]);
  return mapKernel(backend, 'permute', shape, x.dtype, (k, coords) => {
    const inCoords = new Array<string>(x.shape.length);
    perm.forEach((p, d) => {
      inCoords[p] = coords[d];
    });
    return k.read(k.input(x), inCoords);
  });
};

export const broadcastTo: KernelImpl<'BroadcastTo'> = ([x], { shape }, backend) =>
  mapKernel(backend, 'expand', shape, x.dtype, (k, coords) =>
    k.read(
      k.input(x),
      x.shape.map((d, i) => (d === 1 ? '0' : coords[i])),
    ),
  );

export const slice: KernelImpl<'Slice'> = ([x], { begin, size, step }, backend) =>
  mapKernel(backend, 'slice', size, x.dtype, (k, coords) =>
    k.read(
      k.input(x),
      coords.map((c, d) => affine(c, step[d], begin[d])),
    ),
  );

export const pad: KernelImpl<'Pad'> = ([x], { pads, value }, backend) => {
  const shape = x.shape.map((d, i) => d + pads[i][0] + pads[i][1]);
  return mapKernel(backend, 'pad', shape, x.dtype, (k, coords) => {
    const result = k.variable(k.scalar(value));
    if (sizeOf(x.shape) === 0) return result;
    const inCoords = coords.map((c, d) => affine(c, 1, -pads[d][0]));
    const inside = inCoords
      .flatMap((c, d) => [
        pads[d][0] > 0 ? `${c} >= 0` : '',
        pads[d][1] > 0 ? `${c} < ${x.shape[d]}` : '',
      ])
      .filter((test) => test !== '');
    if (inside.length === 0) return k.read(k.input(x), inCoords);
    k.branch(inside.join(' && '), () => {
      k.line(`${result} = ${k.read(k.input(x), inCoords)};`);
    });
    return result;
  });
};

/** Joins inputs along `axis`, in groups when they bring more texture chunks than one kernel takes. */
export const concat: KernelImpl<'Concat'> = (inputs, { axis }, backend) => {
  const parts = inputs.filter((t) => t.shape[axis] > 0);
  const shape = [...inputs[0].shape];
  shape[axis] = parts.reduce((total, t) => total + t.shape[axis], 0);
  if (parts.length === 0) return mapKernel(backend, 'concat', shape, inputs[0].dtype, () => '0');
  const groups: TensorInfo[][] = [[]];
  let chunksInGroup = 0;
  for (const part of parts) {
    const chunks = dataOf('concat', part).chunks.length;
    if (chunksInGroup + chunks > MAX_TEXTURE_ARGUMENTS && groups.at(-1)!.length > 0) {
      groups.push([]);
      chunksInGroup = 0;
    }
    groups.at(-1)!.push(part);
    chunksInGroup += chunks;
  }
  if (groups.length === 1) return concatGroup(parts, axis, backend);
  const joined = groups.map((group) => concatGroup(group, axis, backend));
  const out = concat(joined, { axis }, backend);
  for (const part of joined) backend.disposeData(part.dataId);
  return out;
};

function concatGroup(
  parts: readonly TensorInfo[],
  axis: number,
  backend: Parameters<KernelImpl<'Concat'>>[2],
): TensorInfo {
  if (parts.length === 1) {
    return mapKernel(backend, 'concat', parts[0].shape, parts[0].dtype, (k, coords) =>
      k.read(k.input(parts[0]), coords),
    );
  }
  const shape = [...parts[0].shape];
  shape[axis] = parts.reduce((total, t) => total + t.shape[axis], 0);
  return mapKernel(backend, 'concat', shape, parts[0].dtype, (k, coords) => {
    const result = k.variable(0);
    let start = 0;
    parts.forEach((part, i) => {
      const inCoords = [...coords];
      inCoords[axis] = affine(coords[axis], 1, -start);
      const end = start + part.shape[axis];
      const keyword = i === 0 ? 'if' : '} else if';
      const condition = i === parts.length - 1 ? null : `${coords[axis]} < ${end}`;
      k.line(condition === null ? '} else {' : `${keyword} (${condition}) {`);
      k.line(`${result} = ${k.read(k.input(part), inCoords)};`);
      start = end;
    });
    k.line('}');
    return result;
  });
}

/**
 * `c * scale + offset` as source, without the no-op parts. A constant coordinate (a size-1
 * axis reads '0') folds to a literal: gpu.js compiles an index such as `(0 + 5)` to a GLSL int
 * expression, which its texture lookup does not accept, while a literal `5` compiles.
 */
export function affine(c: string, scale: number, offset: number): string {
  if (/^\d+$/.test(c)) return String(Number(c) * scale + offset);
  const scaled = scale === 1 ? c : `${c} * ${scale}`;
  if (offset === 0) return scaled;
  return offset > 0 ? `(${scaled} + ${offset})` : `(${scaled} - ${-offset})`;
}
