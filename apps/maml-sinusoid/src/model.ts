import { batchMatmul, expand, type Generator, relu, type Tensor, unsqueeze } from '@metagrad/core';
import { initLinear } from '@metagrad/nn-functional';

/** The MLP 1-40-40-1 with ReLU of Finn et al. (2017), with nn.Linear's weight layout. */
export interface MlpParams {
  l1: { weight: Tensor; bias: Tensor };
  l2: { weight: Tensor; bias: Tensor };
  l3: { weight: Tensor; bias: Tensor };
}

export const HIDDEN = 40;

/** Initializes the MLP as PyTorch's nn.Linear does. */
export function initMlp(generator: Generator, dtype: 'float32' | 'float64' = 'float32'): MlpParams {
  const layer = (inFeatures: number, outFeatures: number) => {
    const { weight, bias } = initLinear(inFeatures, outFeatures, { generator, dtype });
    return { weight, bias: bias! };
  };
  return { l1: layer(1, HIDDEN), l2: layer(HIDDEN, HIDDEN), l3: layer(HIDDEN, 1) };
}

/**
 * Copies every weight once per task: [tasks, ...shape]. Each task then adapts its own copy, and
 * the gradient of the copies sums back into the shared weights.
 */
export function replicate(params: MlpParams, tasks: number): MlpParams {
  const copy = (t: Tensor) => expand(unsqueeze(t, 0), [tasks, ...t.shape]);
  return {
    l1: { weight: copy(params.l1.weight), bias: copy(params.l1.bias) },
    l2: { weight: copy(params.l2.weight), bias: copy(params.l2.bias) },
    l3: { weight: copy(params.l3.weight), bias: copy(params.l3.bias) },
  };
}

/** x W^T + b for per-task weights: x [tasks, points, in], W [tasks, out, in], b [tasks, out]. */
function taskLinear(x: Tensor, weight: Tensor, bias: Tensor): Tensor {
  return batchMatmul(x, weight, false, true).add(unsqueeze(bias, -2));
}

/** The MLP on per-task weights (from `replicate` or an inner step): [tasks, points, 1] -> same. */
export function forward(params: MlpParams, x: Tensor): Tensor {
  const h1 = relu(taskLinear(x, params.l1.weight, params.l1.bias));
  const h2 = relu(taskLinear(h1, params.l2.weight, params.l2.bias));
  return taskLinear(h2, params.l3.weight, params.l3.bias);
}

/** The mean squared error of each task: [tasks]. */
export function taskLosses(params: MlpParams, x: Tensor, y: Tensor): Tensor {
  return forward(params, x).sub(y).square().mean([1, 2]);
}
