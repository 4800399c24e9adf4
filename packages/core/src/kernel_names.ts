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

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum';

export type CompareOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

export type ReduceOp = 'sum' | 'max' | 'min';

/** Height and width of a 2-D window, stride or dilation. */
export type Pair = [number, number];

/** Attributes shared by the convolution kernels. Padding is [top, bottom, left, right]. */
export interface Conv2DAttrs {
  stride: Pair;
  padding: [number, number, number, number];
  dilation: Pair;
  groups: number;
}

/** Attributes of the pooling kernels. Padding is [top, bottom, left, right]. */
export interface Pool2DAttrs {
  kernelSize: Pair;
  stride: Pair;
  padding: [number, number, number, number];
  dilation: Pair;
  outputSize: Pair;
  /** avgPool2d only: whether padded cells count in the divisor. */
  countIncludePad: boolean;
}

/** Attributes of each kernel, by kernel name. Inputs are described in the comments. */
export interface KernelAttrsMap {
  /** (x) -> same shape and dtype. */
  Unary: { op: UnaryOp };
  /** (a, b) of one dtype, broadcast -> that dtype. */
  Binary: { op: BinaryOp };
  /** (a, b) of one dtype, broadcast -> bool. */
  Compare: { op: CompareOp };
  /** (condition: bool, a, b) with a and b of one dtype, broadcast -> that dtype. */
  Where: Record<string, never>;
  /** (x) -> x converted to `dtype` (float to int truncates toward zero, as PyTorch does). */
  Cast: { dtype: DType };
  /** (x) -> x reduced over sorted `axes`, which are removed from the shape. */
  Reduce: { op: ReduceOp; axes: number[] };
  /** (x) -> int32 index of the first maximum (or minimum) along `axis`, which is removed. */
  ArgReduce: { op: 'argmax' | 'argmin'; axis: number };
  /** (a [...batch, M, K], b [...batch, K, N]) with batch dims broadcast; both rank >= 2. */
  MatMul: { transposeA: boolean; transposeB: boolean };
  /** (x) -> x with dimensions permuted. */
  Transpose: { perm: number[] };
  /** (x) -> x broadcast to `shape` (same rank, size-1 dims repeated). */
  BroadcastTo: { shape: number[] };
  /** (x) -> elements begin[d] + i * step[d] for i < size[d] on each axis. */
  Slice: { begin: number[]; size: number[]; step: number[] };
  /** (x) -> x padded with `value`; `pads[d]` = [before, after], both non-negative. */
  Pad: { pads: [number, number][]; value: number };
  /** (x0, x1, ...) of one dtype -> joined along `axis`. */
  Concat: { axis: number };
  /** (x, index: int32) -> out[i][j] = x[index[i][j]][j] along `axis`, as torch.gather. */
  Gather: { axis: number };
  /** (src, index: int32) -> zeros(`shape`) with src added at the indices along `axis`. */
  ScatterAdd: { axis: number; shape: number[] };
  /** (x, index: int32 1-D) -> x with `axis` replaced by the selected entries. */
  IndexSelect: { axis: number };
  /** (src, index: int32 1-D) -> zeros with `axis` of `size`, src rows added at the indices. */
  IndexAdd: { axis: number; size: number };
  /** () -> a tensor of `shape` filled with `value`. */
  Fill: { shape: number[]; dtype: DType; value: number };
  /** (x [N, C, H, W], weight [O, C / groups, kH, kW]) -> [N, O, outH, outW], no bias. */
  Conv2D: Conv2DAttrs;
  /** (dy [N, O, outH, outW], weight) -> dx of `inputShape`. */
  Conv2DBackpropInput: Conv2DAttrs & { inputShape: number[] };
  /** (x, dy) -> dWeight of `filterShape`. */
  Conv2DBackpropFilter: Conv2DAttrs & { filterShape: number[] };
  /** (x [N, C, H, W]) -> int32 flat index (within each H*W plane) of each window's maximum. */
  MaxPool2DArgmax: Pool2DAttrs;
  /** (x [N, C, H, W]) -> windowed mean. */
  AvgPool2D: Pool2DAttrs;
  /** (dy) -> the gradient of AvgPool2D spread back over `inputShape`. */
  AvgPool2DBackprop: Pool2DAttrs & { inputShape: number[] };
}

export type KernelName = keyof KernelAttrsMap;

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
