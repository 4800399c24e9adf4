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
  /** Element-wise unary ops. */
  Unary: unary,
  /** Element-wise binary ops with broadcasting. */
  Binary: binary,
  /** Element-wise comparisons with broadcasting, returning bool. */
  Compare: compare,
  /** Element-wise select by a bool condition, with broadcasting. */
  Where: where,
  /** Dtype conversion (float to int truncates toward zero). */
  Cast: cast,
  /** A new tensor filled with one value. */
  Fill: fill,
  /** Sum, max or min over axes. */
  Reduce: reduce,
  /** Index of the first maximum or minimum along an axis. */
  ArgReduce: argReduce,
  /** Batched matrix product with optional transposes. */
  MatMul: matMul,
  /** Dimension permutation. */
  Transpose: transpose,
  /** Broadcast to a shape of the same rank. */
  BroadcastTo: broadcastTo,
  /** Strided slice. */
  Slice: slice,
  /** Constant padding. */
  Pad: pad,
  /** Concatenation along an axis. */
  Concat: concat,
  /** Gather along an axis, as `torch.gather`. */
  Gather: gather,
  /** Scatter-add into zeros along an axis. */
  ScatterAdd: scatterAdd,
  /** Selection of entries by a 1-D index along an axis. */
  IndexSelect: indexSelect,
  /** Addition of rows into zeros at a 1-D index along an axis. */
  IndexAdd: indexAdd,
  /** 2-D convolution of [N, C, H, W] inputs, without bias. */
  Conv2D: conv2d,
  /** Gradient of Conv2D with respect to its input. */
  Conv2DBackpropInput: conv2dBackpropInput,
  /** Gradient of Conv2D with respect to its weight. */
  Conv2DBackpropFilter: conv2dBackpropFilter,
  /** Flat index of each max-pooling window's maximum. */
  MaxPool2DArgmax: maxPool2dArgmax,
  /** 2-D average pooling. */
  AvgPool2D: avgPool2d,
  /** Gradient of AvgPool2D with respect to its input. */
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
