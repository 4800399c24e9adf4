import { stridesOf } from '@metagrad/core';

/**
 * For each element of `outShape` (row-major), the flat offset of the matching element of an
 * input of `inShape` broadcast to it. Precomputing the table keeps per-element work in the
 * kernels to one array read, with no closures in the inner loops.
 */
export function broadcastOffsets(
  inShape: readonly number[],
  outShape: readonly number[],
): Int32Array {
  const rank = outShape.length;
  const offset = rank - inShape.length;
  const inStrides = stridesOf(inShape);
  const strides = outShape.map((d, i) =>
    i < offset || inShape[i - offset] === 1 ? 0 : inStrides[i - offset],
  );
  return offsetsFor(outShape, strides);
}

/** The flat offset `sum(index[d] * strides[d])` of every element of `shape`, in row-major order. */
export function offsetsFor(shape: readonly number[], strides: readonly number[]): Int32Array {
  let size = 1;
  for (const d of shape) size *= d;
  const out = new Int32Array(size);
  const rank = shape.length;
  if (size === 0) return out;
  const index = new Int32Array(rank);
  let current = 0;
  for (let i = 0; i < size; i++) {
    out[i] = current;
    for (let d = rank - 1; d >= 0; d--) {
      index[d]++;
      current += strides[d];
      if (index[d] < shape[d]) break;
      current -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
  return out;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
