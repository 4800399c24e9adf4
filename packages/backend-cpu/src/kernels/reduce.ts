import type { KernelImpl } from '@metagrad/core';
import { stridesOf } from '@metagrad/core';
import { allocate, output, valuesOf } from '../backend.js';
import { offsetsFor } from './strides.js';

/** Splits the input's dimensions into kept and reduced ones, with offset tables for each. */
function splitAxes(shape: readonly number[], axes: readonly number[]) {
  const strides = stridesOf(shape);
  const keptShape: number[] = [];
  const keptStrides: number[] = [];
  const reducedShape: number[] = [];
  const reducedStrides: number[] = [];
  shape.forEach((d, i) => {
    if (axes.includes(i)) {
      reducedShape.push(d);
      reducedStrides.push(strides[i]);
    } else {
      keptShape.push(d);
      keptStrides.push(strides[i]);
    }
  });
  return {
    keptShape,
    outer: offsetsFor(keptShape, keptStrides),
    inner: offsetsFor(reducedShape, reducedStrides),
  };
}

/**
 * Sums accumulate in a JavaScript number (float64), so float32 sums keep full float32
 * accuracy however long the reduction; max and min propagate NaN, as PyTorch does.
 */
export const reduce: KernelImpl<'Reduce'> = ([x], { op, axes }) => {
  const a = valuesOf(x);
  const { keptShape, outer, inner } = splitAxes(x.shape, axes);
  const out = allocate(x.dtype, outer.length);
  const m = inner.length;
  for (let o = 0; o < outer.length; o++) {
    const base = outer[o];
    if (op === 'sum') {
      let acc = 0;
      for (let r = 0; r < m; r++) acc += a[base + inner[r]];
      out[o] = acc;
    } else if (op === 'max') {
      let acc = Number.NEGATIVE_INFINITY;
      for (let r = 0; r < m; r++) {
        const v = a[base + inner[r]];
        if (v > acc || v !== v) acc = v;
        if (acc !== acc) break;
      }
      out[o] = acc;
    } else {
      let acc = Number.POSITIVE_INFINITY;
      for (let r = 0; r < m; r++) {
        const v = a[base + inner[r]];
        if (v < acc || v !== v) acc = v;
        if (acc !== acc) break;
      }
      out[o] = acc;
    }
  }
  return output(out, keptShape, x.dtype);
};

/** The index of the first extremum along the axis; a NaN counts as the extremum, as in PyTorch. */
export const argReduce: KernelImpl<'ArgReduce'> = ([x], { op, axis }) => {
  const a = valuesOf(x);
  const { keptShape, outer, inner } = splitAxes(x.shape, [axis]);
  const out = new Int32Array(outer.length);
  const isMax = op === 'argmax';
  for (let o = 0; o < outer.length; o++) {
    const base = outer[o];
    let best = a[base + inner[0]];
    let bestIndex = 0;
    for (let r = 1; r < inner.length && best === best; r++) {
      const v = a[base + inner[r]];
      if ((isMax ? v > best : v < best) || v !== v) {
        best = v;
        bestIndex = r;
      }
    }
    out[o] = bestIndex;
  }
  return output(out, keptShape, 'int32');
};
