import { DTypeError } from './errors.js';

/** The element types a tensor can have. `float64` is available where the backend supports it. */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

/** Storage array of a dtype: Float32Array, Float64Array, Int32Array, or Uint8Array for bool. */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export const DTYPES: readonly DType[] = ['bool', 'int32', 'float32', 'float64'];

/** Returns whether `dtype` is float32 or float64. */
export function isFloating(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/** Returns the storage size of one element in bytes (bool takes 1). */
export function bytesPerElement(dtype: DType): number {
  switch (dtype) {
    case 'float64':
      return 8;
    case 'float32':
    case 'int32':
      return 4;
    case 'bool':
      return 1;
  }
}

/** Allocates a zero-filled typed array of the storage type of `dtype` (bool is stored as 0/1 bytes). */
export function allocateTypedArray(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float64':
      return new Float64Array(size);
    case 'float32':
      return new Float32Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'bool':
      return new Uint8Array(size);
  }
}

/** Returns the dtype whose storage type `values` is. */
export function dtypeOfTypedArray(values: TypedArray): DType {
  if (values instanceof Float64Array) return 'float64';
  if (values instanceof Float32Array) return 'float32';
  if (values instanceof Int32Array) return 'int32';
  return 'bool';
}

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/**
 * Promotes two tensor dtypes as `torch.result_type` does for tensors of equal rank category:
 * bool < int32 < float32 < float64.
 */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * The dtype of `tensor op scalar` as in PyTorch: a Python scalar never widens a tensor of the
 * same category, but a float scalar makes an integer or bool tensor float32 (the default
 * dtype), and an int scalar makes a bool tensor int32.
 */
export function promoteWithScalar(dtype: DType, scalar: number | boolean): DType {
  if (typeof scalar === 'boolean') return dtype;
  if (!Number.isInteger(scalar) && !isFloating(dtype)) return 'float32';
  if (dtype === 'bool') return Number.isInteger(scalar) ? 'int32' : 'float32';
  return dtype;
}

export function assertFloating(op: string, arg: string, dtype: DType): void {
  if (!isFloating(dtype)) {
    throw new DTypeError(`${op}: ${arg} must be float32 or float64, got ${dtype}`);
  }
}
