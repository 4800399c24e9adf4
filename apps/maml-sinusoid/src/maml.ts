import { grad, mapTree, type Tensor, valueAndGrad } from '@metagrad/core';
import { sgdStep } from '@metagrad/optim';
import { type MlpParams, replicate, taskLosses } from './model.js';
import type { TaskBatch } from './tasks.js';

/** The inner loop of MAML. */
export interface InnerLoop {
  steps: number;
  lr: number;
  /** Drop the second-order terms (FOMAML): the inner gradient is treated as a constant. */
  firstOrder: boolean;
}

/**
 * Adapts per-task weights with `steps` SGD steps on the support set. The support loss is the
 * sum of the tasks' mean errors, so each task's copy of the weights gets its own gradient.
 */
export function adapt(taskParams: MlpParams, x: Tensor, y: Tensor, inner: InnerLoop): MlpParams {
  const supportLoss = (p: MlpParams) => taskLosses(p, x, y).sum();
  let fast = taskParams;
  for (let step = 0; step < inner.steps; step++) {
    const at = inner.firstOrder ? (mapTree(fast, (t: Tensor) => t.detach()) as MlpParams) : fast;
    const g = grad(supportLoss)(at) as MlpParams;
    fast = sgdStep(fast, g, inner.lr);
  }
  return fast;
}

/** The MAML objective: the mean query loss after adapting to each task's support set. */
export function metaLoss(params: MlpParams, batch: TaskBatch, inner: InnerLoop): Tensor {
  const tasks = batch.xSupport.shape[0];
  const fast = adapt(replicate(params, tasks), batch.xSupport, batch.ySupport, inner);
  return taskLosses(fast, batch.xQuery, batch.yQuery).mean();
}

/** The meta-loss and its gradient with respect to the initial weights (second order unless firstOrder). */
export function metaGradient(
  params: MlpParams,
  batch: TaskBatch,
  inner: InnerLoop,
): [Tensor, MlpParams] {
  return valueAndGrad((p: MlpParams) => metaLoss(p, batch, inner))(params) as [Tensor, MlpParams];
}

/** The plain multi-task regression loss used to pretrain the baseline (no inner loop). */
export function pretrainLoss(params: MlpParams, batch: TaskBatch): Tensor {
  const tasks = batch.xSupport.shape[0];
  const shared = replicate(params, tasks);
  return taskLosses(shared, batch.xSupport, batch.ySupport)
    .add(taskLosses(shared, batch.xQuery, batch.yQuery))
    .mean()
    .div(2);
}
