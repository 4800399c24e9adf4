import type { Backend, DataId, DType, TensorInfo, TypedArray } from '@metagrad/core';
import { cpuKernelStats } from './options.js';
import { adoptInput, allocateOutput, heapUsedBytes, pooledOutputBytes, release } from './pool.js';

/** The storage of one CPU tensor: a typed array owned by the backend. */
export interface CpuData {
  /** Values in row-major order. */
  readonly values: TypedArray;
}

/** Storage on the JavaScript heap as typed arrays; float64 included. */
export class CpuBackend implements Backend {
  /** Name under which the backend is registered; 'cpu' by default. */
  readonly name: string;
  readonly supportsFloat64 = true;

  constructor(name = 'cpu') {
    this.name = name;
  }

  write(values: TypedArray, _shape: readonly number[], dtype: DType): DataId {
    return { values: adoptInput(values, dtype) } satisfies CpuData;
  }

  /** Returns a copy of the values. */
  async read(dataId: DataId): Promise<TypedArray> {
    return (dataId as CpuData).values.slice();
  }

  /** Returns a copy, so that a caller writing into it cannot change an immutable tensor. */
  readSync(dataId: DataId): TypedArray {
    return (dataId as CpuData).values.slice();
  }

  /**
   * Returns a kernel output's array to the output pool for reuse; the engine calls this once no
   * tensor refers to the storage. Other arrays are left to the garbage collector.
   */
  disposeData(dataId: DataId): void {
    release((dataId as CpuData).values);
  }

  stats(): Record<string, number> {
    return { ...cpuKernelStats(), pooledBytes: pooledOutputBytes(), heapBytes: heapUsedBytes() };
  }
}

/** The typed array behind a tensor, for kernels (no copy; kernels must not write to it). */
export function valuesOf(info: TensorInfo): TypedArray {
  return (info.dataId as CpuData).values;
}

/** Wraps a freshly computed typed array as a kernel output. */
export function output(values: TypedArray, shape: readonly number[], dtype: DType): TensorInfo {
  return { dataId: { values } satisfies CpuData, shape: [...shape], dtype };
}

/** Allocates the zero-filled storage of a kernel output, from the output pool when it can. */
export function allocate(dtype: DType, size: number): TypedArray {
  return allocateOutput(dtype, size);
}

/**
 * Allocates the storage of a kernel output that the kernel writes in full. A pooled array is
 * not cleared first, so the kernel must never read its old values.
 */
export function allocateOverwritten(dtype: DType, size: number): TypedArray {
  return allocateOutput(dtype, size, false);
}
