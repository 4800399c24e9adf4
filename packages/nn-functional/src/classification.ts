import {
  backendInstance,
  cast,
  DTypeError,
  formatShape,
  InvalidArgumentError,
  logSoftmax,
  type Tensor,
  where,
} from '@metagrad/core';
import type { Reduction } from './loss.js';
import {
  assertFloating,
  assertSameDtype,
  assertVector,
  formatValue,
  shapeError,
} from './validate.js';

export { logSoftmax, softmax } from '@metagrad/core';

/** Options of {@link nllLoss}, as in `torch.nn.functional.nll_loss`. */
export interface NllLossOptions {
  /** [C] weight of each class. */
  weight?: Tensor | null;
  /**
   * How per-sample losses combine. Default 'mean': the weighted sum divided by the summed
   * weights of the targets that are not ignored.
   */
  reduction?: Reduction;
  /** A target value that contributes neither loss nor weight. Default -100. */
  ignoreIndex?: number;
}

/** Options of {@link crossEntropy}, as in `torch.nn.functional.cross_entropy`. */
export interface CrossEntropyOptions extends NllLossOptions {
  /**
   * Mixes the target with the uniform distribution: (1 - s) * target + s / C. In [0, 1].
   * Default 0.
   */
  labelSmoothing?: number;
}

/**
 * Computes the negative log-likelihood of class indices, as `torch.nn.functional.nll_loss`.
 * The loss of sample i is -weight[t_i] * input[i, t_i].
 *
 * @param input [N, C] log-probabilities, [N, C, d1, ...], or [C] for one unbatched sample.
 * @param target int32 class indices: [N], [N, d1, ...], or [] when unbatched.
 * @returns a scalar, or the per-sample losses shaped like `target` with reduction 'none'.
 */
export function nllLoss(input: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  const op = 'nllLoss';
  const { weight = null, ignoreIndex = -100 } = options;
  const reduction = checkReduction(op, options.reduction ?? 'mean');
  checkInput(op, input, weight);
  checkIndexTarget(op, input, target, ignoreIndex);
  const { losses, weights } = pickedLosses(input, target, weight, ignoreIndex);
  return reduceIndexed(losses, weights, reduction);
}

/**
 * Computes the cross-entropy between logits and a target, as
 * `torch.nn.functional.cross_entropy`. An int32 target contains class indices, and a float
 * target contains class probabilities shaped like `input`. With class weights, 'mean' divides
 * by the summed weights of the index targets that are not ignored, but by the number of
 * samples for probability targets, as PyTorch 1.13 does.
 *
 * @param input [N, C] logits, [N, C, d1, ...], or [C] for one unbatched sample.
 * @param target int32 [N] / [N, d1, ...] / [] indices, or float probabilities shaped like input.
 * @example
 * const loss = crossEntropy(linear(features, w, b), labels, { labelSmoothing: 0.1 });
 */
export function crossEntropy(
  input: Tensor,
  target: Tensor,
  options: CrossEntropyOptions = {},
): Tensor {
  const op = 'crossEntropy';
  const { weight = null, ignoreIndex = -100, labelSmoothing = 0 } = options;
  const reduction = checkReduction(op, options.reduction ?? 'mean');
  checkInput(op, input, weight);
  if (typeof labelSmoothing !== 'number' || !(labelSmoothing >= 0 && labelSmoothing <= 1)) {
    throw new InvalidArgumentError(
      `${op}: labelSmoothing must be a number in [0, 1], got ${formatValue(labelSmoothing)}`,
    );
  }
  const classAxis = input.rank === 1 ? 0 : 1;
  const classes = input.shape[classAxis];
  const logProbs = logSoftmax(input, classAxis);
  if (target.dtype !== 'int32') {
    return probabilityCrossEntropy(
      logProbs,
      target,
      weight,
      reduction,
      ignoreIndex,
      labelSmoothing,
    );
  }
  checkIndexTarget(op, input, target, ignoreIndex);
  const { losses, weights, notIgnored } = pickedLosses(logProbs, target, weight, ignoreIndex);
  const nll = reduceIndexed(losses, weights, reduction);
  if (labelSmoothing === 0) return nll;

  // Label smoothing adds the loss against the uniform distribution: -sum_c w_c log p_c per
  // sample (0 where the target is ignored), reduced with the same denominator as the nll part.
  const weighted = weight ? logProbs.mul(classShaped(weight, input.rank, classAxis)) : logProbs;
  const smooth = where(notIgnored, weighted.sum(classAxis).neg(), 0);
  let smoothReduced: Tensor;
  if (reduction === 'none') smoothReduced = smooth;
  else if (reduction === 'sum') smoothReduced = smooth.sum();
  else smoothReduced = smooth.sum().div(weights.sum());
  return nll.mul(1 - labelSmoothing).add(smoothReduced.mul(labelSmoothing / classes));
}

/** Cross-entropy against class probabilities; 'mean' divides by the number of samples. */
function probabilityCrossEntropy(
  logProbs: Tensor,
  target: Tensor,
  weight: Tensor | null,
  reduction: Reduction,
  ignoreIndex: number,
  labelSmoothing: number,
): Tensor {
  const op = 'crossEntropy';
  if (!(target.dtype === 'float32' || target.dtype === 'float64')) {
    throw new DTypeError(
      `${op}: target has dtype ${target.dtype}, expected int32 class indices or float class probabilities`,
    );
  }
  assertSameDtype(op, 'target', target, logProbs);
  if (target.shape.join() !== logProbs.shape.join()) {
    shapeError(
      op,
      'target',
      target.shape,
      `the input's shape ${formatShape(logProbs.shape)} for class probabilities`,
    );
  }
  if (ignoreIndex !== -100) {
    throw new InvalidArgumentError(
      `${op}: ignoreIndex (${ignoreIndex}) applies only to int32 class-index targets, not to class probabilities`,
    );
  }
  const classAxis = logProbs.rank === 1 ? 0 : 1;
  const classes = logProbs.shape[classAxis];
  const smoothed =
    labelSmoothing > 0 ? target.mul(1 - labelSmoothing).add(labelSmoothing / classes) : target;
  let terms = logProbs.mul(smoothed);
  if (weight) terms = terms.mul(classShaped(weight, logProbs.rank, classAxis));
  if (reduction === 'none') return terms.sum(classAxis).neg();
  if (reduction === 'sum') return terms.sum().neg();
  return terms
    .sum()
    .neg()
    .div(logProbs.size / classes);
}

/**
 * Picks the per-sample losses -w[t] * input[t] and their weights w[t], both 0 where the target
 * is ignored, and the bool mask of targets that are not ignored, all shaped like the target.
 */
function pickedLosses(
  input: Tensor,
  target: Tensor,
  weight: Tensor | null,
  ignoreIndex: number,
): { losses: Tensor; weights: Tensor; notIgnored: Tensor } {
  const classAxis = input.rank === 1 ? 0 : 1;
  const notIgnored = target.ne(ignoreIndex);
  // Ignored targets read class 0 and are then zeroed, so every index passed to gather is valid.
  const safeTarget = where(notIgnored, target, 0);
  const picked = input.gather(classAxis, safeTarget.unsqueeze(classAxis)).squeeze(classAxis);
  const notIgnoredWeights = cast(notIgnored, input.dtype);
  const weights = weight
    ? weight.indexSelect(0, safeTarget.flatten()).reshape(target.shape).mul(notIgnoredWeights)
    : notIgnoredWeights;
  return { losses: picked.mul(weights).neg(), weights, notIgnored };
}

/** Reduces per-sample losses; 'mean' divides by the summed weights, as PyTorch's nll_loss. */
function reduceIndexed(losses: Tensor, weights: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return losses;
  if (reduction === 'sum') return losses.sum();
  return losses.sum().div(weights.sum());
}

/** Reshapes a [C] tensor to broadcast along the class axis of a rank-`rank` input. */
function classShaped(weight: Tensor, rank: number, classAxis: number): Tensor {
  const shape = Array.from({ length: rank }, (_, i) => (i === classAxis ? weight.shape[0] : 1));
  return weight.reshape(shape);
}

function checkReduction(op: string, reduction: unknown): Reduction {
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new InvalidArgumentError(
      `${op}: reduction must be 'mean', 'sum' or 'none', got ${formatValue(reduction)}`,
    );
  }
  return reduction;
}

function checkInput(op: string, input: Tensor, weight: Tensor | null): void {
  if (input.rank === 0) {
    shapeError(op, 'input', input.shape, 'rank >= 1 [classes] or [batch, classes, ...]');
  }
  assertFloating(op, 'input', input);
  const classAxis = input.rank === 1 ? 0 : 1;
  if (input.shape[classAxis] === 0) {
    shapeError(op, 'input', input.shape, 'at least one class');
  }
  if (weight) {
    assertSameDtype(op, 'weight', weight, input);
    assertVector(op, 'weight', weight, input.shape[classAxis], 'classes');
  }
}

/** Checks an int32 class-index target's shape, and its values where they can be read synchronously. */
function checkIndexTarget(op: string, input: Tensor, target: Tensor, ignoreIndex: number): void {
  if (target.dtype !== 'int32') {
    throw new DTypeError(`${op}: target has dtype ${target.dtype}, expected int32 class indices`);
  }
  if (!Number.isInteger(ignoreIndex)) {
    throw new InvalidArgumentError(
      `${op}: ignoreIndex must be an integer, got ${formatValue(ignoreIndex)}`,
    );
  }
  const classAxis = input.rank === 1 ? 0 : 1;
  const expected = input.shape.filter((_, i) => i !== classAxis);
  if (target.shape.join() !== expected.join()) {
    shapeError(
      op,
      'target',
      target.shape,
      `${formatShape(expected)} (the input's shape ${formatShape(input.shape)} without the class dimension ${classAxis})`,
    );
  }
  if (!backendInstance(target.backend).readSync) return;
  const classes = input.shape[classAxis];
  const values = target.dataSync();
  for (let i = 0; i < values.length; i++) {
    const t = values[i];
    if (t !== ignoreIndex && (t < 0 || t >= classes)) {
      throw new InvalidArgumentError(
        `${op}: target ${t} at flat position ${i} is out of range for ${classes} classes ` +
          `(expected 0 to ${classes - 1}, or ignoreIndex ${ignoreIndex})`,
      );
    }
  }
}
