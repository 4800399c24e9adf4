import type { Backend, DataId, DType, TensorInfo, TypedArray } from '@metagrad/core';
import { allocateTypedArray } from '@metagrad/core';
import { cpuKernelStats } from './options.js';

/** The storage of one CPU tensor: a typed array owned by the backend. */
export interface CpuData {
  readonly values: TypedArray;
}

/** Storage on the JavaScript heap as typed arrays; float64 included. */
export class CpuBackend implements Backend {
  readonly name: string;
  readonly supportsFloat64 = true;

  constructor(name = 'cpu') {
    this.name = name;
  }

  write(values: TypedArray): DataId {
    return { values } satisfies CpuData;
  }

  async read(dataId: DataId): Promise<TypedArray> {
    return (dataId as CpuData).values.slice();
  }

  /** Returns a copy, so that a caller writing into it cannot change an immutable tensor. */
  readSync(dataId: DataId): TypedArray {
    return (dataId as CpuData).values.slice();
  }

  disposeData(): void {
    // The garbage collector frees the typed array once no tensor refers to it.
  }

  stats(): Record<string, number> {
    return cpuKernelStats();
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

/** Allocates the storage of a kernel output. */
export function allocate(dtype: DType, size: number): TypedArray {
  return allocateTypedArray(dtype, size);
}
