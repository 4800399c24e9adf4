import type { Backend, KernelImpl, ReduceOp, TensorInfo } from '@metagrad/core';
import { sizeOf } from '@metagrad/core';
import type { KernelSource } from '../codegen.js';
import { mapKernel } from './map.js';

/**
 * The number of elements one thread combines serially. A longer reduction runs in rounds
 * (a tree with this fan-in), so a float32 sum of n values accumulates rounding over about
 * BLOCK * log_BLOCK(n) additions instead of n, and the work spreads over many threads.
 */
export const REDUCE_BLOCK = 128;

/** Emits `acc = combine(acc, v)`; max and min let a NaN win for good, as PyTorch does. */
export function emitCombine(k: KernelSource, op: ReduceOp, acc: string, v: string): void {
  if (op === 'sum') k.line(`${acc} = ${acc} + ${v};`);
  else {
    const better = op === 'max' ? `${v} > ${acc}` : `${v} < ${acc}`;
    k.line(`if (${better} || ${v} !== ${v}) { ${acc} = ${v}; }`);
  }
}

/** Emits the starting value of a reduction: 0 for a sum, -Infinity for max, Infinity for min. */
function initialValue(k: KernelSource, op: ReduceOp): string {
  if (op === 'sum') return k.variable(0);
  return k.variable(k.scalar(op === 'max' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY));
}

/**
 * Reduces `x` over the sorted `axes`. When the reduced size exceeds one block, a first kernel
 * writes one partial result per block (shape [...kept, blocks]) and the partials are reduced
 * again along their last axis until one value per output element remains.
 */
export const reduce: KernelImpl<'Reduce'> = ([x], { op, axes }, backend) => {
  const keptShape = x.shape.filter((_, d) => !axes.includes(d));
  const reducedShape = axes.map((d) => x.shape[d]);
  const reducedSize = sizeOf(reducedShape);
  if (reducedSize === 0) {
    // Only a sum reaches here: the op rejects max and min over nothing.
    return mapKernel(backend, 'sum', keptShape, x.dtype, () => '0');
  }
  const blocks = Math.ceil(reducedSize / REDUCE_BLOCK);
  if (blocks === 1) return reduceOnce(backend, x, op, axes, keptShape, reducedShape);
  const partials = mapKernel(backend, op, [...keptShape, blocks], x.dtype, (k, coords) => {
    const acc = initialValue(k, op);
    const input = k.input(x);
    const block = coords[keptShape.length];
    k.loop(REDUCE_BLOCK, (i) => {
      const r = k.variable(`${block} * ${REDUCE_BLOCK} + ${i}`);
      const guard = reducedSize % REDUCE_BLOCK === 0 ? null : `${r} < ${reducedSize}`;
      const body = () => {
        const inner = k.unflatten(r, reducedShape);
        const kept = coords.slice(0, keptShape.length);
        emitCombine(k, op, acc, k.read(input, mergeCoords(kept, inner, axes)));
      };
      if (guard) k.branch(guard, body);
      else body();
    });
    return acc;
  });
  const out = reduce([partials], { op, axes: [keptShape.length] }, backend);
  backend.disposeData(partials.dataId);
  return out;
};

function reduceOnce(
  backend: Backend,
  x: TensorInfo,
  op: ReduceOp,
  axes: readonly number[],
  keptShape: readonly number[],
  reducedShape: readonly number[],
): TensorInfo {
  return mapKernel(backend, op, keptShape, x.dtype, (k, coords) => {
    const acc = initialValue(k, op);
    const input = k.input(x);
    k.loop(sizeOf(reducedShape), (i) => {
      const inner = k.unflatten(i, reducedShape);
      emitCombine(k, op, acc, k.read(input, mergeCoords(coords, inner, axes)));
    });
    return acc;
  });
}

/** Interleaves kept-axis and reduced-axis coordinates back into the input's axis order. */
function mergeCoords(
  kept: readonly string[],
  reduced: readonly string[],
  axes: readonly number[],
): string[] {
  const coords: string[] = [];
  let nextKept = 0;
  let nextReduced = 0;
  const rank = kept.length + reduced.length;
  for (let d = 0; d < rank; d++) {
    coords.push(axes.includes(d) ? reduced[nextReduced++] : kept[nextKept++]);
  }
  return coords;
}

/** Finds the index of the first extremum along `axis`. A NaN counts as the extremum, as in PyTorch. */
export const argReduce: KernelImpl<'ArgReduce'> = ([x], { op, axis }, backend) => {
  const keptShape = x.shape.filter((_, d) => d !== axis);
  const better = op === 'argmax' ? '>' : '<';
  return mapKernel(backend, op, keptShape, 'int32', (k, coords) => {
    const input = k.input(x);
    const best = k.read(input, mergeCoords(coords, ['0'], [axis]));
    const bestIndex = k.variable(0);
    k.loop(x.shape[axis] - 1, (i) => {
      const j = k.variable(`${i} + 1`);
      const v = k.read(input, mergeCoords(coords, [j], [axis]));
      k.line(
        `if (${best} === ${best} && (${v} ${better} ${best} || ${v} !== ${v})) { ${best} = ${v}; ${bestIndex} = ${j}; }`,
      );
    });
    return bestIndex;
  });
};
