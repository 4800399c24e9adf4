import type { DType } from './dtype.js';

/**
 * The kernels a backend implements, with their attributes. Ops in core and nn-functional
 * validate their arguments and then call these by name through the engine; a kernel may
 * trust its inputs. Every gradient is written with ops, so backends supply forward kernels only.
 */

export type UnaryOp =
  | 'neg'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'abs'
  | 'sigmoid'
  | 'tanh'
  | 'sin'
  | 'cos'
  | 'relu'
  | 'sign'
  | 'square'
  | 'reciprocal'
  | 'floor'
  | 'ceil';

/** Element-wise binary operations; both operands share one dtype. */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum';

/** Element-wise comparisons, each returning a bool tensor. */
export type CompareOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

/** Reductions the `Reduce` kernel performs. */
export type ReduceOp = 'sum' | 'max' | 'min';

/** Height and width of a 2-D window, stride or dilation. */
export type Pair = [number, number];

/** Attributes shared by the convolution kernels. Padding is [top, bottom, left, right]. */
export interface Conv2DAttrs {
  /** Step between windows, as [height, width]. */
  stride: Pair;
  /** Zero padding as [top, bottom, left, right]. */
  padding: [number, number, number, number];
  /** Spacing between kernel elements, as [height, width]. */
  dilation: Pair;
  /** Number of channel groups; input and output channels are both divisible by it. */
  groups: number;
}

/** Attributes of the pooling kernels. Padding is [top, bottom, left, right]. */
export interface Pool2DAttrs {
  /** Window size, as [height, width]. */
  kernelSize: Pair;
  /** Step between windows, as [height, width]. */
  stride: Pair;
  /** Implicit padding as [top, bottom, left, right]. */
  padding: [number, number, number, number];
  /** Spacing between window elements, as [height, width]. */
  dilation: Pair;
  /** Output height and width, computed by the caller. */
  outputSize: Pair;
  /** avgPool2d only: whether padded cells count in the divisor. */
  countIncludePad: boolean;
}

/** Attributes of each kernel, by kernel name. Inputs are described in the comments. */
export interface KernelAttrsMap {
  /** (x) -> same shape and dtype. */
  Unary: {
    /** Operation to apply. */
    op: UnaryOp;
  };
  /** (a, b) of one dtype, broadcast -> that dtype. */
  Binary: {
    /** Operation to apply. */
    op: BinaryOp;
  };
  /** (a, b) of one dtype, broadcast -> bool. */
  Compare: {
    /** Comparison to apply. */
    op: CompareOp;
  };
  /** (condition: bool, a, b) with a and b of one dtype, broadcast -> that dtype. */
  Where: Record<string, never>;
  /** (x) -> x converted to `dtype` (float to int truncates toward zero, as PyTorch does). */
  Cast: {
    /** Target dtype. */
    dtype: DType;
  };
  /** (x) -> x reduced over sorted `axes`, which are removed from the shape. */
  Reduce: {
    /** Reduction to apply. */
    op: ReduceOp;
    /** Non-negative axes to reduce, sorted ascending. */
    axes: number[];
  };
  /** (x) -> int32 index of the first maximum (or minimum) along `axis`, which is removed. */
  ArgReduce: {
    /** Whether to find the maximum or the minimum. */
    op: 'argmax' | 'argmin';
    /** Non-negative axis to search along. */
    axis: number;
  };
  /** (a [...batch, M, K], b [...batch, K, N]) with batch dims broadcast; both rank >= 2. */
  MatMul: {
    /** Whether to transpose the last two dimensions of `a` before multiplying. */
    transposeA: boolean;
    /** Whether to transpose the last two dimensions of `b` before multiplying. */
    transposeB: boolean;
  };
  /** (x) -> x with dimensions permuted. */
  Transpose: {
    /** Permutation of the input's dimensions: output dim `d` is input dim `perm[d]`. */
    perm: number[];
  };
  /** (x) -> x broadcast to `shape` (same rank, size-1 dims repeated). */
  BroadcastTo: {
    /** Target shape. */
    shape: number[];
  };
  /** (x) -> elements begin[d] + i * step[d] for i < size[d] on each axis. */
  Slice: {
    /** Start index on each axis. */
    begin: number[];
    /** Number of elements taken on each axis. */
    size: number[];
    /** Stride between taken elements on each axis. */
    step: number[];
  };
  /** (x) -> x padded with `value`; `pads[d]` = [before, after], both non-negative. */
  Pad: {
    /** Padding per axis, as [before, after]. */
    pads: [number, number][];
    /** Fill value for the padded cells. */
    value: number;
  };
  /** (x0, x1, ...) of one dtype -> joined along `axis`. */
  Concat: {
    /** Non-negative axis to join along. */
    axis: number;
  };
  /** (x, index: int32) -> out[i][j] = x[index[i][j]][j] along `axis`, as torch.gather. */
  Gather: {
    /** Non-negative axis that `index` selects along. */
    axis: number;
  };
  /** (src, index: int32) -> zeros(`shape`) with src added at the indices along `axis`. */
  ScatterAdd: {
    /** Non-negative axis that `index` addresses. */
    axis: number;
    /** Shape of the output. */
    shape: number[];
  };
  /** (x, index: int32 1-D) -> x with `axis` replaced by the selected entries. */
  IndexSelect: {
    /** Non-negative axis to select along. */
    axis: number;
  };
  /** (src, index: int32 1-D) -> zeros with `axis` of `size`, src rows added at the indices. */
  IndexAdd: {
    /** Non-negative axis that `index` addresses. */
    axis: number;
    /** Length of `axis` in the output. */
    size: number;
  };
  /** () -> a tensor of `shape` filled with `value`. */
  Fill: {
    /** Shape of the output. */
    shape: number[];
    /** Dtype of the output. */
    dtype: DType;
    /** Value of every element. */
    value: number;
  };
  /** (x [N, C, H, W], weight [O, C / groups, kH, kW]) -> [N, O, outH, outW], no bias. */
  Conv2D: Conv2DAttrs;
  /** (dy [N, O, outH, outW], weight) -> dx of `inputShape`. */
  Conv2DBackpropInput: Conv2DAttrs & {
    /** Shape of the forward input, [N, C, H, W]. */
    inputShape: number[];
  };
  /** (x, dy) -> dWeight of `filterShape`. */
  Conv2DBackpropFilter: Conv2DAttrs & {
    /** Shape of the forward weight, [O, C / groups, kH, kW]. */
    filterShape: number[];
  };
  /** (x [N, C, H, W]) -> int32 flat index (within each H*W plane) of each window's maximum. */
  MaxPool2DArgmax: Pool2DAttrs;
  /** (x [N, C, H, W]) -> windowed mean. */
  AvgPool2D: Pool2DAttrs;
  /** (dy) -> the gradient of AvgPool2D spread back over `inputShape`. */
  AvgPool2DBackprop: Pool2DAttrs & {
    /** Shape of the forward input, [N, C, H, W]. */
    inputShape: number[];
  };
}

/** Name of a kernel that a backend implements. */
export type KernelName = keyof KernelAttrsMap;

/** Every kernel name, in the order of {@link KernelAttrsMap}. */
export const KERNEL_NAMES: readonly KernelName[] = [
  'Unary',
  'Binary',
  'Compare',
  'Where',
  'Cast',
  'Reduce',
  'ArgReduce',
  'MatMul',
  'Transpose',
  'BroadcastTo',
  'Slice',
  'Pad',
  'Concat',
  'Gather',
  'ScatterAdd',
  'IndexSelect',
  'IndexAdd',
  'Fill',
  'Conv2D',
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'MaxPool2DArgmax',
  'AvgPool2D',
  'AvgPool2DBackprop',
];
