import type { DType, TypedArray } from '@metagrad/core';
import { allocateTypedArray } from '@metagrad/core';
import { createTensorHeap, type TensorHeap } from './wasm/heap.js';

/** Maximum bytes of freed kernel outputs on the JavaScript heap that the pool keeps. */
const MAX_POOLED_BYTES = 64 * 1024 * 1024;

/**
 * Storage in WebAssembly memory, where the SIMD element-wise kernels can reach it, or null where
 * it could not be reserved. Outputs go there first and to the JavaScript heap when it is full.
 */
export const tensorHeap: TensorHeap | null = createTensorHeap();

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
  const inHeap = tensorHeap?.allocate(dtype, size, zeroed);
  if (inHeap) return inHeap;
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

/**
 * Returns a copy of a user's array in storage that the backend owns, in the tensor heap when it
 * has room, so that the SIMD kernels also apply to tensors made from user data. When the heap
 * is full, an array of the dtype's type is kept as it is.
 */
export function adoptInput(values: TypedArray, dtype: DType): TypedArray {
  const copy = tensorHeap?.allocate(dtype, values.length, false);
  if (copy) {
    copy.set(values);
    return copy;
  }
  if (dtypeOf(values) === dtype) return values;
  // An array of another type is converted as the heap copy would be, so that the values of a
  // tensor do not depend on whether the heap had room.
  const converted = allocateTypedArray(dtype, values.length);
  converted.set(values);
  return converted;
}

/** Takes back the array of a disposed tensor, if a kernel allocated it and the pool has room. */
export function release(values: TypedArray): void {
  if (tensorHeap?.owns(values)) {
    tensorHeap.free(values);
    return;
  }
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

/** Bytes of freed storage now held for reuse, in the tensor heap and on the JavaScript heap. */
export function pooledOutputBytes(): number {
  return pooledBytes + (tensorHeap?.freeBytes ?? 0);
}

/** Bytes of the tensor heap handed out so far (0 without one). */
export function heapUsedBytes(): number {
  return tensorHeap?.usedBytes ?? 0;
}

function dtypeOf(values: TypedArray): DType {
  if (values instanceof Float32Array) return 'float32';
  if (values instanceof Float64Array) return 'float64';
  if (values instanceof Int32Array) return 'int32';
  return 'bool';
}
