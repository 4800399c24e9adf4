import type { DType, TypedArray } from './dtype.js';
import type { KernelAttrsMap, KernelName } from './kernel_names.js';

/** A backend's handle to the storage of one tensor. Views that share storage share the handle. */
export type DataId = object;

/** What a kernel sees of a tensor: its storage handle, shape and dtype. */
export interface TensorInfo {
  /** Handle of the storage. */
  readonly dataId: DataId;
  /** Size of each dimension. */
  readonly shape: readonly number[];
  /** Element type. */
  readonly dtype: DType;
}

/** A kernel: forward computation only; the op that calls it has validated the inputs. */
export type KernelImpl<K extends KernelName = KernelName> = (
  inputs: readonly TensorInfo[],
  attrs: KernelAttrsMap[K],
  backend: Backend,
) => TensorInfo;

/** The kernels of one backend, checked against the kernel names at compile time. */
export type KernelTable = { [K in KernelName]?: KernelImpl<K> };

/** Storage functions of a backend. Kernels are registered separately, by (kernel, backend). */
export interface Backend {
  /** Name under which the backend is registered, e.g. `'cpu'`. */
  readonly name: string;
  /** Whether the backend stores float64 tensors (every backend stores float32, int32 and bool). */
  readonly supportsFloat64: boolean;
  /** Takes ownership of `values` (the caller must not reuse them) and returns a storage handle. */
  write(values: TypedArray, shape: readonly number[], dtype: DType): DataId;
  /** Reads the stored values; the array may be longer than the tensor (callers keep `size`). */
  read(dataId: DataId, dtype: DType): Promise<TypedArray>;
  /** Synchronous read; a backend that cannot read synchronously leaves this out. */
  readSync?(dataId: DataId, dtype: DType): TypedArray;
  /** Frees the storage behind `dataId`. */
  disposeData(dataId: DataId): void;
  /** Backend-specific counters (textures, uploads, reads), merged into `memory()`. */
  stats?(): Record<string, number>;
  /** Releases everything the backend holds (compiled kernels, contexts). */
  dispose?(): void;
}
