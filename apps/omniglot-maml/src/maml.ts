import { grad, mapTree, type Tensor, valueAndGrad, zerosLike } from '@metagrad/core';
import { crossEntropy } from '@metagrad/nn-functional';
import { sgdStep } from '@metagrad/optim';
import {
  type Architecture,
  type ConvNetParams,
  forward,
  type NormMode,
  replicate,
  zeroHead,
} from './model.js';

/** A batch of classification tasks: images [tasks, n, 1, 28, 28], int32 labels [tasks, n]. */
export interface TaskBatch {
  support: Tensor;
  supportLabels: Tensor;
  query: Tensor;
  queryLabels: Tensor;
}

/** The inner loop of MAML. */
export interface InnerLoop {
  steps: number;
  lr: number;
  /** Drop the second-order terms (FOMAML): the inner gradient is treated as a constant. */
  firstOrder: boolean;
}

/** Computes the mean cross-entropy of each task: logits [tasks, n, ways] against labels [tasks, n] -> [tasks]. */
export function taskLosses(logits: Tensor, labels: Tensor): Tensor {
  const [tasks, n, ways] = logits.shape;
  const losses = crossEntropy(logits.reshape([tasks * n, ways]), labels.reshape([tasks * n]), {
    reduction: 'none',
  });
  return losses.reshape([tasks, n]).mean(1);
}

/** Computes the fraction of correct predictions of each task: [tasks]. */
export function taskAccuracies(logits: Tensor, labels: Tensor): Tensor {
  return logits.argmax(-1).eq(labels).cast(logits.dtype).mean(1);
}

/**
 * Adapts per-task weights with `steps` SGD steps on the support set. The support loss is the
 * sum of the tasks' mean losses, so each task's copy of the weights gets its own gradient.
 */
export function adapt(
  taskParams: ConvNetParams,
  support: Tensor,
  labels: Tensor,
  inner: InnerLoop,
  architecture: Architecture,
  mode: NormMode = 'batch',
): ConvNetParams {
  const supportLoss = (p: ConvNetParams) =>
    taskLosses(forward(p, support, architecture, mode), labels).sum();
  let fast = taskParams;
  for (let step = 0; step < inner.steps; step++) {
    const at = inner.firstOrder
      ? (mapTree(fast, (t: Tensor) => t.detach()) as ConvNetParams)
      : fast;
    const g = grad(supportLoss)(at) as ConvNetParams;
    fast = sgdStep(fast, g, inner.lr);
  }
  return fast;
}

/** Counts the classes of a batch's tasks: one more than the largest support label. */
function classCount(batch: TaskBatch): number {
  let largest = 0;
  for (const label of batch.supportLabels.dataSync()) largest = Math.max(largest, label);
  return largest + 1;
}

/**
 * Adapts to each task's support set and returns the query logits: [tasks, queries, ways]. With
 * `architecture.zeroHead`, every task starts from a head of zeros with one row per class.
 */
export function adaptedLogits(
  params: ConvNetParams,
  batch: TaskBatch,
  inner: InnerLoop,
  architecture: Architecture,
  mode: NormMode = 'batch',
): Tensor {
  const tasks = batch.support.shape[0];
  const taskParams = replicate(params, tasks);
  if (architecture.zeroHead) {
    const [, features] = params.head.weight.shape;
    const dtype = params.head.weight.dtype as 'float32' | 'float64';
    taskParams.head = zeroHead(features, classCount(batch), dtype, [tasks]);
  }
  const fast = adapt(taskParams, batch.support, batch.supportLabels, inner, architecture, mode);
  return forward(fast, batch.query, architecture, mode);
}

/** Computes the MAML objective: the mean query loss after adapting to each task's support set. */
export function metaLoss(
  params: ConvNetParams,
  batch: TaskBatch,
  inner: InnerLoop,
  architecture: Architecture,
): { loss: Tensor; accuracy: Tensor } {
  const logits = adaptedLogits(params, batch, inner, architecture);
  return {
    loss: taskLosses(logits, batch.queryLabels).mean(),
    accuracy: taskAccuracies(logits.detach(), batch.queryLabels).mean(),
  };
}

/**
 * Computes the meta-loss, the query accuracy after adaptation, and the gradient of the meta-loss
 * with respect to the initial weights (second order unless `inner.firstOrder`). With
 * `architecture.zeroHead` the head is not meta-learned, and its gradient is zero.
 */
export function metaGradient(
  params: ConvNetParams,
  batch: TaskBatch,
  inner: InnerLoop,
  architecture: Architecture,
): { loss: Tensor; accuracy: Tensor; grads: ConvNetParams } {
  const { head, ...body } = params;
  const learned = architecture.zeroHead ? body : params;
  const [[loss, accuracy], grads] = valueAndGrad(
    (p: Partial<ConvNetParams>) => {
      const result = metaLoss({ head, ...p } as ConvNetParams, batch, inner, architecture);
      return [result.loss, result.accuracy];
    },
    { hasAux: true },
  )(learned) as [[Tensor, Tensor], ConvNetParams];
  if (architecture.zeroHead) {
    grads.head = { weight: zerosLike(head.weight), bias: zerosLike(head.bias) };
  }
  return { loss, accuracy, grads };
}
