import {
  BackendError,
  backendInstance,
  isBackendRegistered,
  type KernelTable,
  registerBackend,
} from '@metagrad/core';
import { GpujsBackend, type GpujsBackendOptions } from './backend.js';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from './kernels/conv.js';
import { binary, cast, compare, fill, unary, where } from './kernels/elementwise.js';
import { gather, indexAdd, indexSelect, scatterAdd } from './kernels/indexing.js';
import { broadcastTo, concat, pad, slice, transpose } from './kernels/layout.js';
import { matMul } from './kernels/matmul.js';
import { avgPool2d, avgPool2dBackprop, maxPool2dArgmax } from './kernels/pool.js';
import { argReduce, reduce } from './kernels/reduce.js';
import { runSelfTest } from './self_test.js';

export {
  GpujsBackend,
  type GpujsBackendOptions,
  type GpujsMode,
  type GpujsStats,
} from './backend.js';

/** Every kernel of the gpujs backend. */
export const gpujsKernels = {
  Unary: unary,
  Binary: binary,
  Compare: compare,
  Where: where,
  Cast: cast,
  Fill: fill,
  Reduce: reduce,
  ArgReduce: argReduce,
  MatMul: matMul,
  Transpose: transpose,
  BroadcastTo: broadcastTo,
  Slice: slice,
  Pad: pad,
  Concat: concat,
  Gather: gather,
  ScatterAdd: scatterAdd,
  IndexSelect: indexSelect,
  IndexAdd: indexAdd,
  Conv2D: conv2d,
  Conv2DBackpropInput: conv2dBackpropInput,
  Conv2DBackpropFilter: conv2dBackpropFilter,
  MaxPool2DArgmax: maxPool2dArgmax,
  AvgPool2D: avgPool2d,
  AvgPool2DBackprop: avgPool2dBackprop,
} satisfies KernelTable;

/**
 * Registers the gpujs backend (default name 'gpujs') and returns it; `backend.mode` reports which
 * gpu.js mode runs. A start-up self-test compares a few kernels with values computed in
 * JavaScript and raises when they disagree. Calling it again for a registered name returns the
 * registered backend, and raises if that one runs another mode than `options.mode`.
 */
export function registerGpujsBackend(options: GpujsBackendOptions = {}): GpujsBackend {
  const name = options.name ?? 'gpujs';
  if (isBackendRegistered(name)) {
    const existing = backendInstance(name);
    if (!(existing instanceof GpujsBackend)) {
      throw new BackendError(
        `registerGpujsBackend: the name '${name}' is taken by another backend`,
      );
    }
    if (options.mode && existing.mode !== options.mode) {
      throw new BackendError(
        `registerGpujsBackend: backend '${name}' already runs mode '${existing.mode}', not '${options.mode}'; ` +
          'register the second mode under another name',
      );
    }
    return existing;
  }
  const backend = new GpujsBackend({ ...options, name });
  try {
    runSelfTest(backend, gpujsKernels);
  } catch (error) {
    backend.dispose();
    throw error;
  }
  registerBackend(backend, gpujsKernels);
  return backend;
}
