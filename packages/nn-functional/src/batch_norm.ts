import {
  formatShape,
  InvalidArgumentError,
  noGrad,
  reciprocal,
  sqrt,
  type Tensor,
} from '@metagrad/core';
import {
  assertFloating,
  assertInteger,
  assertSameDtype,
  assertVector,
  shapeError,
} from './validate.js';

const OP = 'batchNorm';

/** Options of {@link batchNorm}, as in `torch.nn.functional.batch_norm` plus the batch count. */
export interface BatchNormOptions {
  /** [C] running mean, used in eval mode and updated in training mode. */
  runningMean?: Tensor | null;
  /** [C] running (unbiased) variance, used in eval mode and updated in training mode. */
  runningVar?: Tensor | null;
  /** [C] scale (gamma). */
  weight?: Tensor | null;
  /** [C] shift (beta). */
  bias?: Tensor | null;
  /** Normalize with the batch statistics and update the running ones. Default false. */
  training?: boolean;
  /**
   * Weight of the new batch in the running statistics: new = (1 - momentum) * old +
   * momentum * batch. Null gives a cumulative average (factor 1 / numBatchesTracked after the
   * increment), as `nn.BatchNorm` does. Default 0.1.
   */
  momentum?: number | null;
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
  /** Batches seen so far, as `nn.BatchNorm.num_batches_tracked`. Default 0. */
  numBatchesTracked?: number;
}

/** What {@link batchNorm} returns. Nothing passed in is modified. */
export interface BatchNormResult {
  /** Normalized input, the same shape as the input. */
  output: Tensor;
  /** The updated running mean (the one passed in outside training), or null without one. */
  runningMean: Tensor | null;
  /** The updated running variance (the one passed in outside training), or null without one. */
  runningVar: Tensor | null;
  /** numBatchesTracked plus one after a training step with running statistics. */
  numBatchesTracked: number;
}

/**
 * Applies batch normalization over the channel dimension 1, as `torch.nn.functional.batch_norm` with
 * `nn.BatchNorm`'s bookkeeping. Training mode normalizes with the batch mean and biased
 * variance, written with ops so it is differentiable to any order, and returns running
 * statistics updated with the unbiased variance. Eval mode normalizes with the running
 * statistics. The updated statistics are computed without gradient, as PyTorch's buffers are.
 *
 * @param input [N, C], [N, C, L], [N, C, H, W] or any [N, C, ...].
 * @example
 * const { output, runningMean, runningVar } = batchNorm(x, { ...stats, training: true });
 */
export function batchNorm(input: Tensor, options: BatchNormOptions = {}): BatchNormResult {
  const { runningMean = null, runningVar = null, weight = null, bias = null } = options;
  const training = options.training ?? false;
  const eps = options.eps ?? 1e-5;
  const momentum = options.momentum === undefined ? 0.1 : options.momentum;
  const count = assertInteger(OP, 'numBatchesTracked', options.numBatchesTracked ?? 0, 0);
  checkArguments(input, options, training, eps, momentum);

  const channels = input.shape[1];
  const axes = input.shape.map((_, i) => i).filter((i) => i !== 1);
  // [C] parameters broadcast against the input as [1, C, 1, ...].
  const statShape = input.shape.map((d, i) => (i === 1 ? d : 1));
  const broadcast = (t: Tensor) => t.reshape(statShape);

  let centered: Tensor;
  let variance: Tensor;
  let newMean = runningMean;
  let newVar = runningVar;
  let newCount = count;
  if (training) {
    const perChannel = input.size / channels;
    if (perChannel <= 1) {
      shapeError(OP, 'input', input.shape, 'more than 1 value per channel in training mode');
    }
    const mean = input.mean(axes, true);
    centered = input.sub(mean);
    variance = centered.square().mean(axes, true);
    if (runningMean && runningVar) {
      newCount = count + 1;
      const factor = momentum === null ? 1 / newCount : momentum;
      [newMean, newVar] = noGrad(() => {
        const batchMean = mean.detach().reshape([channels]);
        const unbiased = variance
          .detach()
          .reshape([channels])
          .mul(perChannel / (perChannel - 1));
        return [
          runningMean.mul(1 - factor).add(batchMean.mul(factor)),
          runningVar.mul(1 - factor).add(unbiased.mul(factor)),
        ];
      });
    }
  } else {
    centered = input.sub(broadcast(runningMean!.detach()));
    variance = broadcast(runningVar!.detach());
  }
  // The weight is folded into 1 / std on the small [1, C, 1, ...] statistics. The full-size work
  // is then one product and one sum, and so is the graph that higher-order gradients run through.
  const invStd = reciprocal(sqrt(variance.add(eps)));
  const scale = weight ? invStd.mul(broadcast(weight)) : invStd;
  let output = centered.mul(scale);
  if (bias) output = output.add(broadcast(bias));
  return { output, runningMean: newMean, runningVar: newVar, numBatchesTracked: newCount };
}

function checkArguments(
  input: Tensor,
  options: BatchNormOptions,
  training: boolean,
  eps: number,
  momentum: number | null,
): void {
  if (input.rank < 2) {
    shapeError(OP, 'input', input.shape, 'rank >= 2 [batch, channels, ...]');
  }
  assertFloating(OP, 'input', input);
  if (typeof training !== 'boolean') {
    throw new InvalidArgumentError(
      `${OP}: training must be true or false, got ${String(training)}`,
    );
  }
  if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps)) {
    throw new InvalidArgumentError(`${OP}: eps must be a finite number >= 0, got ${String(eps)}`);
  }
  if (momentum !== null && (typeof momentum !== 'number' || !Number.isFinite(momentum))) {
    throw new InvalidArgumentError(
      `${OP}: momentum must be a finite number or null (cumulative average), got ${String(momentum)}`,
    );
  }
  const channels = input.shape[1];
  for (const name of ['runningMean', 'runningVar', 'weight', 'bias'] as const) {
    const t = options[name];
    if (!t) continue;
    assertSameDtype(OP, name, t, input);
    assertVector(OP, name, t, channels, 'numFeatures');
  }
  const hasMean = Boolean(options.runningMean);
  if (hasMean !== Boolean(options.runningVar)) {
    throw new InvalidArgumentError(
      `${OP}: runningMean and runningVar must be given together, got only ${hasMean ? 'runningMean' : 'runningVar'}`,
    );
  }
  if (!training && !hasMean) {
    throw new InvalidArgumentError(
      `${OP}: eval mode (training false) normalizes with runningMean and runningVar, but they are missing ` +
        `(input of shape ${formatShape(input.shape)}); pass them or set training: true`,
    );
  }
}
