import type { DType, TypedArray } from '@metagrad/core';
import { allocateTypedArray } from '@metagrad/core';

/** Maximum bytes of freed kernel outputs that the pool keeps. */
const MAX_POOLED_BYTES = 64 * 1024 * 1024;

/** Arrays allocated for kernel outputs: only these return to the pool (never a user's array). */
const owned = new WeakSet<TypedArray>();
/** Freed arrays by dtype and length, ready for reuse. */
const free = new Map<DType, Map<number, TypedArray[]>>();
let pooledBytes = 0;

/**
 * Returns an array for a kernel output, reusing one freed by `release` when one of that dtype
 * and length is pooled. A training loop that disposes its intermediates each step (as `tidy`
 * does) then allocates almost nothing in steady state, which keeps the garbage collector out
 * of the profile. The array is zero-filled unless `zeroed` is false, for a kernel that writes
 * every element: a reused array then keeps the values of its last tensor.
 */
export function allocateOutput(dtype: DType, size: number, zeroed = true): TypedArray {
  const reused = free.get(dtype)?.get(size)?.pop();
  if (reused) {
    pooledBytes -= reused.byteLength;
    if (zeroed) reused.fill(0);
    return reused;
  }
  const values = allocateTypedArray(dtype, size);
  owned.add(values);
  return values;
}

/** Takes back the array of a disposed tensor, if a kernel allocated it and the pool has room. */
export function release(values: TypedArray): void {
  if (!owned.has(values) || pooledBytes + values.byteLength > MAX_POOLED_BYTES) return;
  const dtype = dtypeOf(values);
  let byLength = free.get(dtype);
  if (!byLength) {
    byLength = new Map();
    free.set(dtype, byLength);
  }
  let list = byLength.get(values.length);
  if (!list) {
    list = [];
    byLength.set(values.length, list);
  }
  list.push(values);
  pooledBytes += values.byteLength;
}

/** Bytes now held by the pool. */
export function pooledOutputBytes(): number {
  return pooledBytes;
}

function dtypeOf(values: TypedArray): DType {
  if (values instanceof Float32Array) return 'float32';
  if (values instanceof Float64Array) return 'float64';
  if (values instanceof Int32Array) return 'int32';
  return 'bool';
}
