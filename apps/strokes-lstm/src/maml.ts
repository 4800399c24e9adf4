import { grad, mapTree, type Tensor, valueAndGrad } from '@metagrad/core';
import { crossEntropy } from '@metagrad/nn-functional';
import { sgdStep } from '@metagrad/optim';
import { type BatchTensors, classificationLoss, logits, type StrokeNetParams } from './model.js';

/** The inner loop of MAML. */
export interface InnerLoop {
  steps: number;
  lr: number;
  /** Drop the second-order terms (first-order MAML): the inner gradient is treated as a constant. */
  firstOrder: boolean;
}

/** One task of a meta-batch as tensors. */
export interface TaskTensors {
  support: BatchTensors;
  query: BatchTensors;
}

/**
 * Adapts every weight of the network, the LSTM's named weights and the head alike, with
 * `steps` SGD steps on the support set, and returns the fast weights. Without `firstOrder`
 * the fast weights stay differentiable with respect to `params`, second-order terms included.
 */
export function adapt(
  params: StrokeNetParams,
  support: BatchTensors,
  inner: InnerLoop,
): StrokeNetParams {
  const supportLoss = (p: StrokeNetParams) => classificationLoss(p, support.x, support.y);
  let fast = params;
  for (let step = 0; step < inner.steps; step++) {
    const at = inner.firstOrder ? mapTree(fast, (t: Tensor) => t.detach()) : fast;
    const g = grad(supportLoss)(at) as StrokeNetParams;
    fast = sgdStep(fast, g, inner.lr);
  }
  return fast;
}

/**
 * Computes the MAML objective, the mean over tasks of the query loss after adapting to the task's
 * support set, with the query logits of each task as the auxiliary output.
 */
export function metaLoss(
  params: StrokeNetParams,
  tasks: readonly TaskTensors[],
  inner: InnerLoop,
): [Tensor, Tensor[]] {
  const scores: Tensor[] = [];
  const losses = tasks.map(({ support, query }) => {
    const fast = adapt(params, support, inner);
    const queryScores = logits(fast, query.x);
    scores.push(queryScores.detach());
    return crossEntropy(queryScores, query.y);
  });
  const total = losses.reduce((a, b) => a.add(b));
  return [total.div(tasks.length), scores];
}

/** Computes the meta-loss, its gradient with respect to the initial weights, and each task's query logits. */
export function metaGradient(
  params: StrokeNetParams,
  tasks: readonly TaskTensors[],
  inner: InnerLoop,
): { loss: Tensor; grads: StrokeNetParams; queryScores: Tensor[] } {
  const [[loss, queryScores], grads] = valueAndGrad(
    (p: StrokeNetParams) => metaLoss(p, tasks, inner),
    { hasAux: true },
  )(params) as [[Tensor, Tensor[]], StrokeNetParams];
  return { loss, grads, queryScores };
}
