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
  /** Elementwise unary op chosen by `op`. */
  Unary: unary,
  /** Elementwise binary op chosen by `op`, with broadcasting. */
  Binary: binary,
  /** Elementwise comparison chosen by `op`, with broadcasting; the output is bool. */
  Compare: compare,
  /** Elementwise select of `a` where `condition` is true, else `b`, with broadcasting. */
  Where: where,
  /** Conversion to `dtype`. */
  Cast: cast,
  /** A new tensor of `shape` filled with `value`. */
  Fill: fill,
  /** Reduction over `axes` chosen by `op`. */
  Reduce: reduce,
  /** Index (int32) of the first maximum or minimum along `axis`. */
  ArgReduce: argReduce,
  /** Matrix multiplication. */
  MatMul: matMul,
  /** Axis permutation by `perm`. */
  Transpose: transpose,
  /** Broadcast to `shape`. */
  BroadcastTo: broadcastTo,
  /** Strided slice by `begin`, `size` and `step`. */
  Slice: slice,
  /** Constant padding by `pads` with `value`. */
  Pad: pad,
  /** Concatenation along an axis. */
  Concat: concat,
  /** Gather of elements along `axis` by an int32 index tensor. */
  Gather: gather,
  /** Scatter-add of `src` into zeros of `shape` along `axis`. */
  ScatterAdd: scatterAdd,
  /** Selection of whole entries along `axis` by a 1-D int32 index. */
  IndexSelect: indexSelect,
  /** Addition of `src` rows into zeros at a 1-D int32 index along `axis`. */
  IndexAdd: indexAdd,
  /** 2-D convolution of x [N, C, H, W] with weight [O, C / groups, kH, kW], no bias. */
  Conv2D: conv2d,
  /** Gradient of Conv2D with respect to its input. */
  Conv2DBackpropInput: conv2dBackpropInput,
  /** Gradient of Conv2D with respect to its filter. */
  Conv2DBackpropFilter: conv2dBackpropFilter,
  /** Flat index (int32, within each H*W plane) of each 2-D max-pool window maximum. */
  MaxPool2DArgmax: maxPool2dArgmax,
  /** 2-D average pooling of NCHW input. */
  AvgPool2D: avgPool2d,
  /** Gradient of AvgPool2D spread back over the input shape. */
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
