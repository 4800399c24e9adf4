import type { Backend, DataId, KernelImpl, KernelTable, TensorInfo } from './backend.js';
import { bytesPerElement } from './dtype.js';
import { BackendError, DisposedTensorError } from './errors.js';
import type { KernelAttrsMap, KernelName } from './kernel_names.js';
import { sizeOf } from './shape.js';
import { Tensor } from './tensor.js';

interface StorageRecord {
  refs: number;
  bytes: number;
  backend: string;
}

interface EngineState {
  readonly backends: Map<string, Backend>;
  readonly kernels: Map<string, Map<KernelName, KernelImpl>>;
  activeBackend: string | null;
  /** Tensors created inside each open `tidy` scope, innermost last. */
  readonly scopes: Set<Tensor>[];
  gradEnabled: boolean;
  anomalyMode: boolean;
  nextTensorId: number;
  readonly liveTensors: Map<string, number>;
  readonly storage: Map<DataId, StorageRecord>;
}

// The registries live on one global symbol so that an ESM and a CJS copy of core loaded side
// by side (a dual-package hazard) still share backends, kernels and memory counts.
const ENGINE_KEY = Symbol.for('metagrad.engine.v1');

function createState(): EngineState {
  return {
    backends: new Map(),
    kernels: new Map(),
    activeBackend: null,
    scopes: [],
    gradEnabled: true,
    anomalyMode: false,
    nextTensorId: 0,
    liveTensors: new Map(),
    storage: new Map(),
  };
}

const globalScope = globalThis as unknown as Record<symbol, EngineState | undefined>;
globalScope[ENGINE_KEY] ??= createState();

export function engineState(): EngineState {
  return globalScope[ENGINE_KEY]!;
}

/**
 * Registers a backend and its kernels. Registering a second backend under a taken name, or a
 * kernel twice for one backend, is an error. The first backend registered becomes active.
 */
export function registerBackend(backend: Backend, kernels: KernelTable = {}): void {
  const state = engineState();
  if (state.backends.has(backend.name)) {
    throw new BackendError(
      `registerBackend: a backend named '${backend.name}' is already registered`,
    );
  }
  state.backends.set(backend.name, backend);
  state.kernels.set(backend.name, new Map());
  for (const [name, impl] of Object.entries(kernels)) {
    registerKernel(name as KernelName, backend.name, impl as KernelImpl);
  }
  state.activeBackend ??= backend.name;
}

/** Removes a backend, its kernels and the record of its tensors (which become unusable). */
export function removeBackend(name: string): void {
  const state = engineState();
  state.backends.get(name)?.dispose?.();
  state.backends.delete(name);
  state.kernels.delete(name);
  state.liveTensors.delete(name);
  for (const [id, record] of state.storage) if (record.backend === name) state.storage.delete(id);
  if (state.activeBackend === name)
    state.activeBackend = state.backends.keys().next().value ?? null;
}

/**
 * Registers the implementation of `kernel` for a registered backend. Throws `BackendError` when
 * the backend is missing or the kernel is already registered for it.
 */
export function registerKernel<K extends KernelName>(
  kernel: K,
  backendName: string,
  impl: KernelImpl<K>,
): void {
  const table = engineState().kernels.get(backendName);
  if (!table) {
    throw new BackendError(
      `registerKernel: no backend named '${backendName}'; call registerBackend first`,
    );
  }
  if (table.has(kernel)) {
    throw new BackendError(
      `registerKernel: kernel '${kernel}' is already registered for backend '${backendName}'`,
    );
  }
  table.set(kernel, impl as KernelImpl);
}

/** Returns whether a backend named `name` is registered. */
export function isBackendRegistered(name: string): boolean {
  return engineState().backends.has(name);
}

/** Returns the names of the registered backends, in registration order. */
export function listBackends(): string[] {
  return [...engineState().backends.keys()];
}

/** Makes `name` the backend that new tensors are created on. */
export function setBackend(name: string): void {
  const state = engineState();
  if (!state.backends.has(name)) {
    throw new BackendError(
      `setBackend: no backend named '${name}' is registered (registered: ${describeList(listBackends())}). ` +
        `Import its register entry first, e.g. import '@metagrad/backend-${name}/register'`,
    );
  }
  state.activeBackend = name;
}

/** Returns the name of the active backend. */
export function getBackend(): string {
  const name = engineState().activeBackend;
  if (name === null) {
    throw new BackendError(
      "no backend is registered: import '@metagrad/backend-cpu/register' (or another backend's register entry) before creating tensors",
    );
  }
  return name;
}

/** Returns the backend registered as `name`; throws `BackendError` when there is none. */
export function backendInstance(name: string): Backend {
  const backend = engineState().backends.get(name);
  if (!backend) throw new BackendError(`no backend named '${name}' is registered`);
  return backend;
}

function describeList(items: string[]): string {
  return items.length === 0 ? 'none' : items.map((s) => `'${s}'`).join(', ');
}

/** Wraps a kernel's output in a tensor on `backend`, tracking its storage and scope. */
export function makeTensor(info: TensorInfo, backend: string): Tensor {
  const state = engineState();
  const record = state.storage.get(info.dataId);
  if (record) record.refs++;
  else {
    state.storage.set(info.dataId, {
      refs: 1,
      bytes: sizeOf(info.shape) * bytesPerElement(info.dtype),
      backend,
    });
  }
  const tensor = new Tensor(state.nextTensorId++, info, backend);
  state.liveTensors.set(backend, (state.liveTensors.get(backend) ?? 0) + 1);
  state.scopes.at(-1)?.add(tensor);
  return tensor;
}

/** Called by `Tensor.dispose`: drops one reference to the storage and frees it at zero. */
export function releaseTensor(tensor: Tensor): void {
  const state = engineState();
  state.liveTensors.set(tensor.backend, (state.liveTensors.get(tensor.backend) ?? 1) - 1);
  for (const scope of state.scopes) scope.delete(tensor);
  const record = state.storage.get(tensor.dataId);
  if (!record) return;
  record.refs--;
  if (record.refs === 0) {
    state.storage.delete(tensor.dataId);
    state.backends.get(tensor.backend)?.disposeData(tensor.dataId);
  }
}

/**
 * Runs kernel `kernel` on the inputs' backend (or the active one when there are no inputs).
 * Records no gradient: ops call this and attach their own backward.
 */
export function runKernel<K extends KernelName>(
  kernel: K,
  inputs: readonly Tensor[],
  attrs: KernelAttrsMap[K],
  op: string = kernel,
): Tensor {
  const backendName = inputs.length > 0 ? commonBackend(op, inputs) : getBackend();
  const state = engineState();
  const impl = state.kernels.get(backendName)?.get(kernel);
  if (!impl) {
    const having = [...state.kernels].filter(([, table]) => table.has(kernel)).map(([n]) => n);
    throw new BackendError(
      `${op}: backend '${backendName}' has no kernel '${kernel}' (backends with it: ${describeList(having)})`,
    );
  }
  const backend = state.backends.get(backendName)!;
  const out = impl(inputs, attrs as never, backend);
  return makeTensor(out, backendName);
}

/** Checks that no input is disposed and that all live on one backend; returns that backend. */
export function commonBackend(op: string, inputs: readonly Tensor[]): string {
  let name: string | null = null;
  inputs.forEach((t, i) => {
    if (t.isDisposed) {
      throw new DisposedTensorError(
        `${op}: input ${i} (tensor #${t.id}, shape [${t.shape.join(', ')}]) was disposed; ` +
          'keep it with keep() or return it from tidy() to use it later',
      );
    }
    if (name === null) name = t.backend;
    else if (t.backend !== name) {
      throw new BackendError(
        `${op}: input 0 is on backend '${name}' but input ${i} is on '${t.backend}'; move one with t.to('${name}')`,
      );
    }
  });
  return name ?? getBackend();
}

/** Live tensor and byte counts, per backend, plus each backend's own counters. */
export interface MemoryInfo {
  /** Number of live tensors on all backends. */
  numTensors: number;
  /** Bytes of live storage on all backends. */
  numBytes: number;
  /** Number of live storage buffers; views share one. */
  numDataBuffers: number;
  /** The same counts per backend name, merged with the backend's own `stats()`. */
  backends: Record<
    string,
    {
      /** Number of live tensors on this backend. */
      numTensors: number;
      /** Bytes of live storage on this backend. */
      numBytes: number;
      /** Number of live storage buffers on this backend. */
      numDataBuffers: number;
    } & Record<string, number>
  >;
}

/** Returns the live tensors and bytes, per backend and in total. */
export function memory(): MemoryInfo {
  const state = engineState();
  const info: MemoryInfo = { numTensors: 0, numBytes: 0, numDataBuffers: 0, backends: {} };
  for (const [name, backend] of state.backends) {
    info.backends[name] = {
      ...backend.stats?.(),
      numTensors: state.liveTensors.get(name) ?? 0,
      numBytes: 0,
      numDataBuffers: 0,
    };
  }
  for (const [name, count] of state.liveTensors) {
    info.backends[name] ??= { numTensors: count, numBytes: 0, numDataBuffers: 0 };
    info.numTensors += count;
  }
  for (const record of state.storage.values()) {
    const entry = info.backends[record.backend];
    if (entry) {
      entry.numBytes += record.bytes;
      entry.numDataBuffers++;
    }
    info.numBytes += record.bytes;
    info.numDataBuffers++;
  }
  return info;
}

/** Returns whether ops record gradients (true unless inside `noGrad` or `withGradMode(false, ...)`). */
export function isGradEnabled(): boolean {
  return engineState().gradEnabled;
}

/** Runs `fn` with gradient recording on or off, restoring the previous mode afterwards. */
export function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const state = engineState();
  const previous = state.gradEnabled;
  state.gradEnabled = enabled;
  try {
    return fn();
  } finally {
    state.gradEnabled = previous;
  }
}

/** Runs `fn` without recording gradients, as `torch.no_grad()` does. */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Turns anomaly detection on or off (off by default; it reads every op's output back). */
export function setAnomalyMode(enabled: boolean): void {
  engineState().anomalyMode = enabled;
}

/** Returns whether anomaly detection is on. */
export function isAnomalyMode(): boolean {
  return engineState().anomalyMode;
}
