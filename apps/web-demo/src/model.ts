import {
  batchMatmul,
  grad,
  loadSafetensors,
  relu,
  type Tensor,
  unflattenDotted,
  valueAndGrad,
} from '@metagrad/core';
import { sgdStep } from '@metagrad/optim';
import type { TaskBatch } from './tasks.js';

// NOTE: apps/maml-sinusoid exports the same model, but its package has no browser entry (its
// index also exports the training loop, which writes checkpoints with node:fs), so the page
// keeps its own copy of the 1-40-40-1 MLP. The layout and names match, so its weights load here.

/** The MLP 1-40-40-1 with ReLU of Finn et al. (2017), in nn.Linear's layout: weight [out, in]. */
export interface MlpParams {
  l1: { weight: Tensor; bias: Tensor };
  l2: { weight: Tensor; bias: Tensor };
  l3: { weight: Tensor; bias: Tensor };
}

export const HIDDEN = 40;

const EXPECTED_SHAPES: Record<string, number[]> = {
  'l1.weight': [HIDDEN, 1],
  'l1.bias': [HIDDEN],
  'l2.weight': [HIDDEN, HIDDEN],
  'l2.bias': [HIDDEN],
  'l3.weight': [1, HIDDEN],
  'l3.bias': [1],
};

/**
 * Parses weights saved by apps/maml-sinusoid (`l1.weight`, ... as in a PyTorch state_dict) onto
 * the current backend. Throws when a weight is missing, misshaped or not float32.
 */
export function parseWeights(bytes: Uint8Array): MlpParams {
  const { tensors } = loadSafetensors(bytes);
  for (const [name, shape] of Object.entries(EXPECTED_SHAPES)) {
    const t = tensors[name];
    if (t === undefined) {
      throw new Error(`weights: ${name} is missing; expected the weights of a 1-40-40-1 MLP`);
    }
    if (t.shape.join(',') !== shape.join(',')) {
      throw new Error(`weights: ${name} has shape [${t.shape}], expected [${shape}]`);
    }
    if (t.dtype !== 'float32') {
      throw new Error(`weights: ${name} has dtype ${t.dtype}, expected float32`);
    }
  }
  return unflattenDotted(tensors) as unknown as MlpParams;
}

/**
 * x W^T + b. Works for one task (x [points, in], W [out, in], b [out]) and for a batch of tasks
 * with their own weights (x [tasks, points, in], W [tasks, out, in], b [tasks, out]).
 */
function linearLayer(x: Tensor, weight: Tensor, bias: Tensor): Tensor {
  return batchMatmul(x, weight, false, true).add(bias.unsqueeze(-2));
}

/** Computes the MLP's prediction: [points, 1] -> [points, 1], or [tasks, points, 1] with per-task weights. */
export function forward(params: MlpParams, x: Tensor): Tensor {
  const h1 = relu(linearLayer(x, params.l1.weight, params.l1.bias));
  const h2 = relu(linearLayer(h1, params.l2.weight, params.l2.bias));
  return linearLayer(h2, params.l3.weight, params.l3.bias);
}

/** Computes the mean squared error over the points; one value per task for batched weights. */
export function pointLoss(params: MlpParams, x: Tensor, y: Tensor): Tensor {
  return forward(params, x).sub(y).square().mean([-2, -1]);
}

/** Takes `steps` plain SGD steps on `loss`, differentiably, so an outer gradient flows through. */
export function adapt(
  params: MlpParams,
  loss: (p: MlpParams) => Tensor,
  steps: number,
  lr: number,
): MlpParams {
  let fast = params;
  for (let step = 0; step < steps; step++) {
    fast = sgdStep(fast, grad(loss)(fast) as MlpParams, lr);
  }
  return fast;
}

/** Copies every weight once per task: [tasks, ...shape], so that each task adapts its own copy. */
function replicate(params: MlpParams, tasks: number): MlpParams {
  const copy = (t: Tensor) => t.unsqueeze(0).expand([tasks, ...t.shape]);
  return {
    l1: { weight: copy(params.l1.weight), bias: copy(params.l1.bias) },
    l2: { weight: copy(params.l2.weight), bias: copy(params.l2.bias) },
    l3: { weight: copy(params.l3.weight), bias: copy(params.l3.bias) },
  };
}

/** The settings of MAML's inner loop during meta-training. */
export interface InnerLoop {
  steps: number;
  lr: number;
}

/**
 * Computes the second-order MAML objective and its gradient with respect to `params`: the mean query
 * loss after adapting a copy of the weights to each task's support set.
 */
export function metaGradient(
  params: MlpParams,
  batch: TaskBatch,
  inner: InnerLoop,
): [Tensor, MlpParams] {
  const tasks = batch.xSupport.shape[0];
  // Summing the tasks' losses gives each task's copy of the weights its own gradient.
  const supportLoss = (p: MlpParams) => pointLoss(p, batch.xSupport, batch.ySupport).sum();
  const metaLoss = (p: MlpParams) => {
    const fast = adapt(replicate(p, tasks), supportLoss, inner.steps, inner.lr);
    return pointLoss(fast, batch.xQuery, batch.yQuery).mean();
  };
  return valueAndGrad(metaLoss)(params) as [Tensor, MlpParams];
}
