import {
  type Conv2DAttrs,
  defineOp,
  formatShape,
  Generator,
  getGlobalGenerator,
  InvalidArgumentError,
  type Pair,
  runKernel,
  ShapeError,
  type Tensor,
  uniform,
} from '@metagrad/core';
import {
  assertFloating,
  assertInteger,
  assertSameDtype,
  assertVector,
  formatValue,
  shapeError,
  toPair,
} from './validate.js';

const OP = 'conv2d';

/** Options of {@link conv2d}, as in `torch.nn.functional.conv2d`. */
export interface Conv2dOptions {
  /** Step between windows: one integer or [height, width]. Default 1. */
  stride?: number | Pair;
  /**
   * Zeros added on each side: one integer, [height, width], `'valid'` (none) or `'same'`
   * (an output as large as the input). When 'same' needs an odd total padding, the extra row
   * and column go at the bottom and right, as PyTorch does. Default 0.
   */
  padding?: number | Pair | 'valid' | 'same';
  /** Spacing between kernel taps: one integer or [height, width]. Default 1. */
  dilation?: number | Pair;
  /** Number of channel groups; it must divide both channel counts. Default 1. */
  groups?: number;
}

/**
 * Applies a 2-D convolution (cross-correlation), as `torch.nn.functional.conv2d`.
 *
 * @param input [N, inChannels, H, W], or [inChannels, H, W] for one unbatched sample.
 * @param weight [outChannels, inChannels / groups, kH, kW].
 * @param bias [outChannels], added to every position.
 * @returns [N, outChannels, outH, outW] (without N for unbatched input), where
 *   outH = floor((H + padTop + padBottom - dilationH * (kH - 1) - 1) / strideH) + 1.
 * @example
 * const y = conv2d(x, weight, bias, { padding: 'same' }); // x [8, 3, 28, 28] -> y [8, O, 28, 28]
 */
export function conv2d(
  input: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  options: Conv2dOptions = {},
): Tensor {
  if (input.rank !== 3 && input.rank !== 4) {
    shapeError(
      OP,
      'input',
      input.shape,
      'rank 4 [batch, inChannels, H, W] or rank 3 [inChannels, H, W]',
    );
  }
  if (weight.rank !== 4) {
    shapeError(OP, 'weight', weight.shape, 'rank 4 [outChannels, inChannels/groups, kH, kW]');
  }
  assertFloating(OP, 'input', input);
  assertSameDtype(OP, 'weight', weight, input);
  const batched = input.rank === 4 ? input : input.unsqueeze(0);
  const attrs = conv2dAttrs(batched.shape, weight.shape, options);
  if (bias) {
    assertSameDtype(OP, 'bias', bias, input);
    assertVector(OP, 'bias', bias, weight.shape[0], 'outChannels');
  }
  let out = conv2dCore(batched, weight, attrs);
  if (bias) out = out.add(bias.reshape([1, weight.shape[0], 1, 1]));
  return input.rank === 4 ? out : out.squeeze(0);
}

/** Checks the geometry of a convolution and resolves its options into kernel attributes. */
function conv2dAttrs(
  inputShape: readonly number[],
  weightShape: readonly number[],
  options: Conv2dOptions,
): Conv2DAttrs {
  const [, channels, height, width] = inputShape;
  const [outChannels, groupChannels, kh, kw] = weightShape;
  const groups = assertInteger(OP, 'groups', options.groups ?? 1, 1);
  if (channels % groups !== 0 || outChannels % groups !== 0) {
    throw new InvalidArgumentError(
      `${OP}: groups (${groups}) must divide both inChannels (${channels}) and outChannels (${outChannels})`,
    );
  }
  if (groupChannels * groups !== channels || outChannels === 0 || kh === 0 || kw === 0) {
    shapeError(
      OP,
      'weight',
      weightShape,
      `[outChannels, inChannels/groups, kH, kW] = [>0, ${channels / groups}, >0, >0] for an input of shape ${formatShape(inputShape)} and groups ${groups}`,
    );
  }
  if (channels === 0 || height === 0 || width === 0) {
    shapeError(OP, 'input', inputShape, 'non-zero channel, height and width sizes');
  }
  const stride = toPair(OP, 'stride', options.stride ?? 1, 1);
  const dilation = toPair(OP, 'dilation', options.dilation ?? 1, 1);
  const padding = resolvePadding(options.padding ?? 0, stride, dilation, [kh, kw]);
  const extentH = dilation[0] * (kh - 1) + 1;
  const extentW = dilation[1] * (kw - 1) + 1;
  const paddedH = height + padding[0] + padding[1];
  const paddedW = width + padding[2] + padding[3];
  if (extentH > paddedH || extentW > paddedW) {
    throw new ShapeError(
      `${OP}: the padded input is ${paddedH} x ${paddedW} but the dilated kernel spans ${extentH} x ${extentW}; ` +
        'the kernel must fit inside the padded input',
    );
  }
  return { stride, padding, dilation, groups };
}

/** Resolves the padding option into [top, bottom, left, right]. */
function resolvePadding(
  padding: Conv2dOptions['padding'],
  stride: Pair,
  dilation: Pair,
  kernel: Pair,
): [number, number, number, number] {
  if (padding === 'valid') return [0, 0, 0, 0];
  if (padding === 'same') {
    if (stride[0] !== 1 || stride[1] !== 1) {
      throw new InvalidArgumentError(
        `${OP}: padding 'same' requires stride 1, got stride ${formatValue(stride)}; pad explicitly for a strided convolution`,
      );
    }
    // PyTorch puts floor(total / 2) before and the rest after, so an odd total adds the extra
    // row at the bottom and the extra column at the right.
    const totalH = dilation[0] * (kernel[0] - 1);
    const totalW = dilation[1] * (kernel[1] - 1);
    const top = Math.floor(totalH / 2);
    const left = Math.floor(totalW / 2);
    return [top, totalH - top, left, totalW - left];
  }
  if (typeof padding === 'string') {
    throw new InvalidArgumentError(
      `${OP}: padding must be an integer, a [height, width] pair, 'valid' or 'same', got '${padding}'`,
    );
  }
  const [ph, pw] = toPair(OP, 'padding', padding, 0);
  return [ph, ph, pw, pw];
}

/** Runs the batched convolution without bias and records a backward made of two differentiable ops. */
function conv2dCore(x: Tensor, w: Tensor, attrs: Conv2DAttrs): Tensor {
  return defineOp(
    OP,
    [x, w],
    () => runKernel('Conv2D', [x, w], attrs, OP),
    (dy, [x, w], _saved, needed) => [
      needed?.[0] === false ? null : conv2dBackpropInput(dy, w, attrs, x.shape),
      needed?.[1] === false ? null : conv2dBackpropFilter(x, dy, attrs, w.shape),
    ],
  );
}

/**
 * Computes the gradient of a convolution with respect to its input (a transposed convolution
 * of `dy`). It is bilinear in (dy, w), so its own gradients are a convolution and a filter
 * gradient.
 */
function conv2dBackpropInput(
  dy: Tensor,
  w: Tensor,
  attrs: Conv2DAttrs,
  inputShape: readonly number[],
): Tensor {
  const op = 'conv2dBackpropInput';
  return defineOp(
    op,
    [dy, w],
    () => runKernel('Conv2DBackpropInput', [dy, w], { ...attrs, inputShape: [...inputShape] }, op),
    (g, [dy, w], _saved, needed) => [
      needed?.[0] === false ? null : conv2dCore(g, w, attrs),
      needed?.[1] === false ? null : conv2dBackpropFilter(g, dy, attrs, w.shape),
    ],
  );
}

/** Computes the gradient of a convolution with respect to its weight, which is bilinear in (x, dy). */
function conv2dBackpropFilter(
  x: Tensor,
  dy: Tensor,
  attrs: Conv2DAttrs,
  filterShape: readonly number[],
): Tensor {
  const op = 'conv2dBackpropFilter';
  return defineOp(
    op,
    [x, dy],
    () =>
      runKernel('Conv2DBackpropFilter', [x, dy], { ...attrs, filterShape: [...filterShape] }, op),
    (g, [x, dy], _saved, needed) => [
      needed?.[0] === false ? null : conv2dBackpropInput(dy, g, attrs, x.shape),
      needed?.[1] === false ? null : conv2dCore(x, g, attrs),
    ],
  );
}

/** Options of {@link initConv2d}. */
export interface InitConv2dOptions {
  /** Number of channel groups (default 1). */
  groups?: number;
  /** Whether to create a bias (default true). */
  bias?: boolean;
  /** Source of the random values; the global generator by default. */
  generator?: Generator;
  /** Dtype of the weights; default float32. */
  dtype?: 'float32' | 'float64';
}

/**
 * Creates the weights of a convolution with `torch.nn.Conv2d`'s default init: kaiming_uniform
 * with a = sqrt(5), which makes the weight uniform in (-1/sqrt(fanIn), 1/sqrt(fanIn)), and the bias
 * uniform in the same range, where fanIn = inChannels / groups * kH * kW. The weight is drawn
 * first, then the bias.
 *
 * @returns `weight` [outChannels, inChannels / groups, kH, kW] and `bias` [outChannels].
 */
export function initConv2d(
  inChannels: number,
  outChannels: number,
  kernelSize: number | Pair,
  options: InitConv2dOptions | Generator = {},
): {
  /** Weight of shape [outChannels, inChannels / groups, kH, kW]. */
  weight: Tensor;
  /** Bias of shape [outChannels]; absent when `bias` is false. */
  bias?: Tensor;
} {
  const op = 'initConv2d';
  const opts: InitConv2dOptions = options instanceof Generator ? { generator: options } : options;
  assertInteger(op, 'inChannels', inChannels, 1);
  assertInteger(op, 'outChannels', outChannels, 1);
  const [kh, kw] = toPair(op, 'kernelSize', kernelSize, 1);
  const groups = assertInteger(op, 'groups', opts.groups ?? 1, 1);
  if (inChannels % groups !== 0 || outChannels % groups !== 0) {
    throw new InvalidArgumentError(
      `${op}: groups (${groups}) must divide both inChannels (${inChannels}) and outChannels (${outChannels})`,
    );
  }
  const generator = opts.generator ?? getGlobalGenerator();
  const dtype = opts.dtype ?? 'float32';
  const fanIn = (inChannels / groups) * kh * kw;
  const bound = 1 / Math.sqrt(fanIn);
  const shape = [outChannels, inChannels / groups, kh, kw];
  const weight = uniform(shape, -bound, bound, { generator, dtype });
  if (opts.bias === false) return { weight };
  return { weight, bias: uniform([outChannels], -bound, bound, { generator, dtype }) };
}
