import { isBackendRegistered, type KernelTable, registerBackend } from '@metagrad/core';
import { CpuBackend } from './backend.js';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from './kernels/conv.js';
import { binary, cast, compare, fill, unary, where } from './kernels/elementwise.js';
import { gather, indexAdd, indexSelect, scatterAdd } from './kernels/indexing.js';
import { broadcastTo, concat, pad, slice, transpose } from './kernels/layout.js';
import { matMul } from './kernels/matmul.js';
import { avgPool2d, avgPool2dBackprop, maxPool2dArgmax } from './kernels/pool.js';
import { argReduce, reduce } from './kernels/reduce.js';

export { CpuBackend, type CpuData } from './backend.js';
export { type CpuOptions, getCpuOptions, setCpuOptions } from './options.js';

/** Every kernel of the CPU backend. */
export const cpuKernels = {
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
 * Registers the CPU backend under `name` (default 'cpu'). Calling it again for a registered
 * name does nothing, so several packages can make sure the backend exists.
 */
export function registerCpuBackend(name = 'cpu'): void {
  if (isBackendRegistered(name)) return;
  registerBackend(new CpuBackend(name), cpuKernels);
}
