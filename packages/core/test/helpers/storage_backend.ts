import {
  type Backend,
  type DataId,
  isBackendRegistered,
  registerBackend,
  type TypedArray,
} from '../../src/index.js';

/**
 * Registers (once) a backend named `test-storage` that stores typed arrays and has no kernels,
 * so core's own tests can create tensors with `tensor()` without depending on a real backend.
 */
export function registerStorageBackend(): void {
  if (isBackendRegistered('test-storage')) return;
  const backend: Backend = {
    name: 'test-storage',
    supportsFloat64: true,
    write: (values: TypedArray): DataId => ({ values }),
    read: async (dataId: DataId) => (dataId as { values: TypedArray }).values.slice(),
    readSync: (dataId: DataId) => (dataId as { values: TypedArray }).values.slice(),
    disposeData: () => {},
  };
  registerBackend(backend);
}
