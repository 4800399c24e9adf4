import {
  defineOp,
  formatShape,
  InvalidArgumentError,
  type Pair,
  type Pool2DAttrs,
  runKernel,
  ShapeError,
  type Tensor,
} from '@metagrad/core';
import { assertBoolean, assertFloating, formatValue, shapeError, toPair } from './validate.js';

/** Options shared by {@link maxPool2d} and {@link avgPool2d}, as in `torch.nn.functional`. */
export interface Pool2dOptions {
  /** Window size: one integer or [height, width]. */
  kernelSize: number | Pair;
  /** Step between windows: one integer or [height, width]. Default (or null): kernelSize. */
  stride?: number | Pair | null;
  /** Implicit padding on each side, at most half the kernel size. Default 0. */
  padding?: number | Pair;
  /**
   * Round the output size up instead of down. As in PyTorch, a window is kept only if it
   * starts inside the input or the left (top) padding. Default false.
   */
  ceilMode?: boolean;
}

/** Options of {@link maxPool2d}. Padded cells never win the maximum. */
export interface MaxPool2dOptions extends Pool2dOptions {
  /** Spacing between window taps: one integer or [height, width]. Default 1. */
  dilation?: number | Pair;
}

/** Options of {@link avgPool2d}. */
export interface AvgPool2dOptions extends Pool2dOptions {
  /** Whether padded cells count in the divisor. Default true. */
  countIncludePad?: boolean;
}

/**
 * Applies 2-D max pooling, as `torch.nn.functional.max_pool2d`. The gradient of a window goes to its
 * first maximum in row-major window order, as in PyTorch.
 *
 * @param input [N, C, H, W], or [C, H, W] for one unbatched sample.
 * @returns [N, C, outH, outW] (without N for unbatched input).
 */
export function maxPool2d(input: Tensor, options: MaxPool2dOptions): Tensor {
  const op = 'maxPool2d';
  const batched = batchInput(op, input);
  const dilation = toPair(op, 'dilation', options.dilation ?? 1, 1);
  const attrs = poolAttrs(op, batched.shape, options, dilation, false);
  assertNoEmptyWindow(op, batched.shape, attrs);
  const [n, c, h, w] = batched.shape;
  const [outH, outW] = attrs.outputSize;
  // The kernel returns, for each window, the flat index of its maximum within the H*W plane.
  // Gathering those entries makes the gradient gather's, which is differentiable again.
  const argmax = runKernel('MaxPool2DArgmax', [batched], attrs, op);
  const planes = batched.reshape([n, c, h * w]);
  const out = planes.gather(2, argmax.reshape([n, c, outH * outW])).reshape([n, c, outH, outW]);
  return input.rank === 4 ? out : out.squeeze(0);
}

/**
 * Applies 2-D average pooling, as `torch.nn.functional.avg_pool2d`.
 *
 * @param input [N, C, H, W], or [C, H, W] for one unbatched sample.
 * @returns [N, C, outH, outW] (without N for unbatched input).
 */
export function avgPool2d(input: Tensor, options: AvgPool2dOptions): Tensor {
  const op = 'avgPool2d';
  const batched = batchInput(op, input);
  const countIncludePad = assertBoolean(op, 'countIncludePad', options.countIncludePad ?? true);
  const attrs = poolAttrs(op, batched.shape, options, [1, 1], countIncludePad);
  const out = avgPoolForward(batched, attrs);
  return input.rank === 4 ? out : out.squeeze(0);
}

/** Runs average pooling. It and its gradient are linear and adjoint, so each is the other's backward. */
function avgPoolForward(x: Tensor, attrs: Pool2DAttrs): Tensor {
  return defineOp(
    'avgPool2d',
    [x],
    () => runKernel('AvgPool2D', [x], attrs, 'avgPool2d'),
    (dy, [x]) => [avgPoolBackprop(dy, attrs, x.shape)],
  );
}

function avgPoolBackprop(dy: Tensor, attrs: Pool2DAttrs, inputShape: readonly number[]): Tensor {
  const op = 'avgPool2dBackprop';
  return defineOp(
    op,
    [dy],
    () => runKernel('AvgPool2DBackprop', [dy], { ...attrs, inputShape: [...inputShape] }, op),
    (g) => [avgPoolForward(g, attrs)],
  );
}

/** Checks the input of a pooling op and adds the batch dimension to an unbatched one. */
function batchInput(op: string, input: Tensor): Tensor {
  if (input.rank !== 3 && input.rank !== 4) {
    shapeError(
      op,
      'input',
      input.shape,
      'rank 4 [batch, channels, H, W] or rank 3 [channels, H, W]',
    );
  }
  assertFloating(op, 'input', input);
  const batched = input.rank === 4 ? input : input.unsqueeze(0);
  if (batched.shape.slice(1).some((d) => d === 0)) {
    shapeError(op, 'input', input.shape, 'non-zero channel, height and width sizes');
  }
  return batched;
}

/** Checks the options against the input's [N, C, H, W] shape and computes the output size. */
function poolAttrs(
  op: string,
  shape: readonly number[],
  options: Pool2dOptions,
  dilation: Pair,
  countIncludePad: boolean,
): Pool2DAttrs {
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError(`${op}: options must be an object with at least kernelSize`);
  }
  const kernelSize = toPair(op, 'kernelSize', options.kernelSize, 1);
  const stride = toPair(op, 'stride', options.stride ?? kernelSize, 1);
  const [padH, padW] = toPair(op, 'padding', options.padding ?? 0, 0);
  const ceilMode = assertBoolean(op, 'ceilMode', options.ceilMode ?? false);
  if (padH > Math.floor(kernelSize[0] / 2) || padW > Math.floor(kernelSize[1] / 2)) {
    throw new InvalidArgumentError(
      `${op}: padding ${formatValue([padH, padW])} must be at most half of kernelSize ${formatValue(kernelSize)} (rounded down)`,
    );
  }
  const [, , h, w] = shape;
  const outH = pooledSize(h, kernelSize[0], stride[0], padH, dilation[0], ceilMode);
  const outW = pooledSize(w, kernelSize[1], stride[1], padW, dilation[1], ceilMode);
  if (outH < 1 || outW < 1) {
    throw new ShapeError(
      `${op}: input of shape ${formatShape(shape)} is too small for kernelSize ${formatValue(kernelSize)}, ` +
        `dilation ${formatValue(dilation)} and padding ${formatValue([padH, padW])}: the output would be ${outH} x ${outW}`,
    );
  }
  return {
    kernelSize,
    stride,
    padding: [padH, padH, padW, padW],
    dilation,
    outputSize: [outH, outW],
    countIncludePad,
  };
}

/** Counts the windows along one dimension, as PyTorch's `pooling_output_shape` does. */
function pooledSize(
  size: number,
  kernel: number,
  stride: number,
  pad: number,
  dilation: number,
  ceilMode: boolean,
): number {
  const span = size + 2 * pad - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0);
  let out = Math.floor(span / stride) + 1;
  // In ceil mode the last window must start inside the input or the left padding.
  if (ceilMode && (out - 1) * stride >= size + pad) out--;
  return out;
}

/**
 * Rejects a max-pooling window whose dilated taps all fall in the padding, because such a
 * window has no input element to take the maximum of or to pass the gradient to.
 * NOTE: PyTorch 1.13 returns -inf there with an out-of-range index, and one such call aborted
 * with a heap corruption when tried, so this port raises an error instead of matching it.
 */
function assertNoEmptyWindow(op: string, shape: readonly number[], attrs: Pool2DAttrs): void {
  const dims = [
    { name: 'row', size: shape[2], axis: 0, padBefore: attrs.padding[0] },
    { name: 'column', size: shape[3], axis: 1, padBefore: attrs.padding[2] },
  ];
  for (const { name, size, axis, padBefore } of dims) {
    for (let o = 0; o < attrs.outputSize[axis]; o++) {
      const start = o * attrs.stride[axis] - padBefore;
      let covered = false;
      for (let t = 0; t < attrs.kernelSize[axis] && !covered; t++) {
        const i = start + t * attrs.dilation[axis];
        covered = i >= 0 && i < size;
      }
      if (!covered) {
        throw new ShapeError(
          `${op}: the window at output ${name} ${o} covers only padding (input of shape ${formatShape(shape)}, ` +
            `kernelSize ${formatValue(attrs.kernelSize)}, dilation ${formatValue(attrs.dilation)}); use less padding or dilation`,
        );
      }
    }
  }
}
