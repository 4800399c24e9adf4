import { concat, fromTypedArray, type Generator, type Tensor } from '@metagrad/core';
import { crossEntropy, initLinear, initLstm, linear, lstm } from '@metagrad/nn-functional';
import type { SequenceBatch } from './data.js';
import { STEP_FEATURES } from './strokes.js';

/**
 * The weights of the classifier: a one-layer bidirectional LSTM keyed by `torch.nn.LSTM`'s
 * parameter names (`weight_ih_l0`, `weight_hh_l0_reverse`, ...), and a linear head with
 * `torch.nn.Linear`'s layout on the two directions' final hidden states.
 */
export interface StrokeNetParams {
  lstm: Record<string, Tensor>;
  head: { weight: Tensor; bias: Tensor };
}

/** The options every call of `lstm` gets: one layer, both directions, batch first. */
export const LSTM_OPTIONS = { bidirectional: true, batchFirst: true } as const;

/** Initializes the network as PyTorch's nn.LSTM and nn.Linear do. */
export function initStrokeNet(
  hiddenSize: number,
  ways: number,
  generator: Generator,
  dtype: 'float32' | 'float64' = 'float32',
): StrokeNetParams {
  const weights = initLstm(
    { inputSize: STEP_FEATURES, hiddenSize, dtype, ...LSTM_OPTIONS },
    generator,
  );
  const { weight, bias } = initLinear(2 * hiddenSize, ways, { generator, dtype });
  return { lstm: weights, head: { weight, bias: bias! } };
}

/**
 * Computes the class logits [batch, ways] of sequences x [batch, length, 3]. The head reads the forward
 * direction's state after the last step and the reverse direction's state after the first.
 */
export function logits(params: StrokeNetParams, x: Tensor): Tensor {
  const [, [hN]] = lstm(x, undefined, params.lstm, LSTM_OPTIONS);
  // hN is [2, batch, hidden]: index 0 is the forward direction, 1 the reverse.
  const features = concat([hN.select(0, 0), hN.select(0, 1)], -1);
  return linear(features, params.head.weight, params.head.bias);
}

/** Computes the mean cross-entropy of the network on labelled sequences. */
export function classificationLoss(params: StrokeNetParams, x: Tensor, y: Tensor): Tensor {
  return crossEntropy(logits(params, x), y);
}

/** A batch as tensors: x [count, length, 3] and int32 labels y [count]. */
export interface BatchTensors {
  x: Tensor;
  y: Tensor;
}

export function toTensors(
  batch: SequenceBatch,
  dtype: 'float32' | 'float64' = 'float32',
): BatchTensors {
  const values = dtype === 'float64' ? Float64Array.from(batch.sequences) : batch.sequences;
  return {
    x: fromTypedArray(values, [batch.count, batch.length, STEP_FEATURES], dtype),
    y: fromTypedArray(batch.labels, [batch.count], 'int32'),
  };
}

/** Returns the fraction of rows of `scores` [batch, classes] whose largest entry is at the label. */
export function accuracyOf(scores: Tensor, labels: Int32Array): number {
  const predicted = scores.argmax(-1).dataSync();
  let correct = 0;
  labels.forEach((label, i) => {
    if (predicted[i] === label) correct += 1;
  });
  return correct / labels.length;
}
