import {
  batchMatmul,
  formatShape,
  type Generator,
  getGlobalGenerator,
  ShapeError,
  type Tensor,
  uniform,
} from '@metagrad/core';
import { assertFloating, assertSameDtype } from './validate.js';

/**
 * y = x W^T + b, as `torch.nn.functional.linear`: `input` is [..., inFeatures], `weight` is
 * [outFeatures, inFeatures] and `bias` [outFeatures].
 */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (weight.rank !== 2) {
    throw new ShapeError(
      `linear: weight must be 2-D [outFeatures, inFeatures], got shape ${formatShape(weight.shape)}`,
    );
  }
  const inFeatures = weight.shape[1];
  if (input.rank === 0 || input.shape[input.rank - 1] !== inFeatures) {
    throw new ShapeError(
      `linear: input has shape ${formatShape(input.shape)}, expected its last dimension to be weight's inFeatures ${inFeatures}`,
    );
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== weight.shape[0])) {
    throw new ShapeError(
      `linear: bias has shape ${formatShape(bias.shape)}, expected [outFeatures] = [${weight.shape[0]}]`,
    );
  }
  assertFloating('linear', 'input', input);
  assertSameDtype('linear', 'weight', weight, input);
  if (bias) assertSameDtype('linear', 'bias', bias, input);
  // The leading dimensions are flattened into rows, so the product and each of its gradients is
  // one matrix product. W^T is a flag of the product, not a transposed copy.
  const rowCount = input.shape.slice(0, -1).reduce((count, d) => count * d, 1);
  const rows = input.reshape([rowCount, inFeatures]);
  const product = batchMatmul(rows, weight, false, true);
  const out = product.reshape([...input.shape.slice(0, -1), weight.shape[0]]);
  return bias ? out.add(bias) : out;
}

/** Options of {@link initLinear}. */
export interface InitLinearOptions {
  /** Whether to create a bias; default true. */
  bias?: boolean;
  /** Dtype of the weights; default float32. */
  dtype?: 'float32' | 'float64';
  /** Source of the random values; the global generator by default. */
  generator?: Generator;
}

/**
 * Weights of a linear layer with `torch.nn.Linear`'s default init: weight and bias uniform in
 * (-1/sqrt(inFeatures), 1/sqrt(inFeatures)).
 */
export function initLinear(
  inFeatures: number,
  outFeatures: number,
  options: InitLinearOptions | Generator = {},
): {
  /** Weight of shape [outFeatures, inFeatures]. */
  weight: Tensor;
  /** Bias of shape [outFeatures]; absent when `bias` is false. */
  bias?: Tensor;
} {
  const opts: InitLinearOptions =
    'random' in options ? { generator: options as Generator } : (options as InitLinearOptions);
  const generator = opts.generator ?? getGlobalGenerator();
  const bound = 1 / Math.sqrt(inFeatures);
  const dtype = opts.dtype ?? 'float32';
  const weight = uniform([outFeatures, inFeatures], -bound, bound, { generator, dtype });
  if (opts.bias === false) return { weight };
  return { weight, bias: uniform([outFeatures], -bound, bound, { generator, dtype }) };
}
