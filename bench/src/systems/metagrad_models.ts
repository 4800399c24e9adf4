import {
  batchMatmul,
  expand,
  fromTypedArray,
  grad,
  mapTree,
  type Tensor,
  unsqueeze,
  valueAndGrad,
} from '@metagrad/core';
import { batchNorm, conv2d, crossEntropy, linear, lstm, relu } from '@metagrad/nn-functional';
import { sgdStep } from '@metagrad/optim';
import type { HostLabels, HostParams, HostTensor } from '../data.js';
import {
  type BatchNormInputs,
  type ConvInputs,
  type LstmInputs,
  type MamlOmniglotInputs,
  type MamlSineInputs,
  OMNIGLOT_BLOCKS,
} from '../workloads.js';

export type FloatDType = 'float32' | 'float64';
export type Params = Record<string, Tensor>;

export function toTensor(host: HostTensor, dtype: FloatDType): Tensor {
  const data = dtype === 'float64' ? Float64Array.from(host.data) : Float32Array.from(host.data);
  return fromTypedArray(data, host.shape, dtype);
}

export function toLabels(host: HostLabels): Tensor {
  return fromTypedArray(Int32Array.from(host.data), host.shape, 'int32');
}

export function toParams(host: HostParams, dtype: FloatDType): Params {
  return Object.fromEntries(Object.entries(host).map(([name, t]) => [name, toTensor(t, dtype)]));
}

/** Reads tensors back into host arrays (float64 copies). */
export async function toHost(params: Params): Promise<HostParams> {
  const entries = await Promise.all(
    Object.entries(params).map(async ([name, t]) => {
      const data = Float64Array.from(await t.data());
      return [name, { shape: [...t.shape], data }];
    }),
  );
  return Object.fromEntries(entries);
}

/** A loss over named leaves, and the leaves to differentiate it with respect to. */
export interface GradientProblem {
  leaves: Params;
  /** Tensors the loss reads but does not differentiate (freed with the leaves). */
  constants: Tensor[];
  loss: (p: Params) => Tensor;
}

/** W2: sum(conv2d(x, weight, bias, padding 1) * dy) over leaves x, weight, bias. */
export function convProblem(inputs: ConvInputs, dtype: FloatDType): GradientProblem {
  const dy = toTensor(inputs.dy, dtype);
  return {
    leaves: toParams({ x: inputs.x, weight: inputs.weight, bias: inputs.bias }, dtype),
    constants: [dy],
    loss: (p) => conv2d(p.x, p.weight, p.bias, { padding: 1 }).mul(dy).sum(),
  };
}

/** W3: sum(batchNorm(x) * dy) in training mode over leaves x, weight, bias. */
export function batchNormProblem(inputs: BatchNormInputs, dtype: FloatDType): GradientProblem {
  const dy = toTensor(inputs.dy, dtype);
  return {
    leaves: toParams({ x: inputs.x, weight: inputs.weight, bias: inputs.bias }, dtype),
    constants: [dy],
    loss: (p) =>
      batchNorm(p.x, { weight: p.weight, bias: p.bias, training: true }).output.mul(dy).sum(),
  };
}

/** W4: sum(output * dy) of a bidirectional LSTM over leaves x and every weight. */
export function lstmProblem(inputs: LstmInputs, dtype: FloatDType): GradientProblem {
  const dy = toTensor(inputs.dy, dtype);
  return {
    leaves: toParams({ x: inputs.x, ...inputs.weights }, dtype),
    constants: [dy],
    loss: ({ x, ...weights }) =>
      lstm(x, undefined, weights, { bidirectional: true })[0].mul(dy).sum(),
  };
}

/** x W^T + b for per-task weights: x [tasks, points, in], W [tasks, out, in], b [tasks, out]. */
function taskLinear(x: Tensor, weight: Tensor, bias: Tensor): Tensor {
  return batchMatmul(x, weight, false, true).add(unsqueeze(bias, -2));
}

/** Computes the per-task MSE of the MLP 1-40-40-1 on per-task weights: [tasks]. */
function sineTaskLosses(p: Params, x: Tensor, y: Tensor): Tensor {
  const h1 = relu(taskLinear(x, p['l1.weight'], p['l1.bias']));
  const h2 = relu(taskLinear(h1, p['l2.weight'], p['l2.bias']));
  return taskLinear(h2, p['l3.weight'], p['l3.bias']).sub(y).square().mean([1, 2]);
}

/** The sinusoid batch and settings of a MAML sinusoid workload, as tensors. */
export interface SineBatch {
  xSupport: Tensor;
  ySupport: Tensor;
  xQuery: Tensor;
  yQuery: Tensor;
  innerLr: number;
  firstOrder: boolean;
}

export function sineBatch(inputs: MamlSineInputs, dtype: FloatDType): SineBatch {
  return {
    xSupport: toTensor(inputs.xSupport, dtype),
    ySupport: toTensor(inputs.ySupport, dtype),
    xQuery: toTensor(inputs.xQuery, dtype),
    yQuery: toTensor(inputs.yQuery, dtype),
    innerLr: inputs.innerLr,
    firstOrder: inputs.firstOrder,
  };
}

/** Computes the MAML sinusoid meta-loss and its gradient (second order unless `firstOrder`). */
export function sineMetaGradient(params: Params, batch: SineBatch): [Tensor, Params] {
  const tasks = batch.xSupport.shape[0];
  const metaLoss = (p: Params) => {
    const copies = mapTree(p, (t: Tensor) =>
      expand(unsqueeze(t, 0), [tasks, ...t.shape]),
    ) as Params;
    const at = batch.firstOrder ? (mapTree(copies, (t: Tensor) => t.detach()) as Params) : copies;
    const supportLoss = (q: Params) => sineTaskLosses(q, batch.xSupport, batch.ySupport).sum();
    const fast = sgdStep(copies, grad(supportLoss)(at) as Params, batch.innerLr);
    return sineTaskLosses(fast, batch.xQuery, batch.yQuery).mean();
  };
  return valueAndGrad(metaLoss)(params) as [Tensor, Params];
}

/** Runs the Omniglot classifier: 4 x (conv 3x3 stride 2, batchNorm, ReLU), spatial mean, linear. */
function omniglotLogits(p: Params, x: Tensor): Tensor {
  let h = x;
  for (let block = 1; block <= OMNIGLOT_BLOCKS; block++) {
    h = conv2d(h, p[`conv${block}.weight`], p[`conv${block}.bias`], { stride: 2, padding: 1 });
    h = batchNorm(h, {
      weight: p[`bn${block}.weight`],
      bias: p[`bn${block}.bias`],
      training: true,
    }).output;
    h = relu(h);
  }
  return linear(h.mean([2, 3]), p['head.weight'], p['head.bias']);
}

export interface OmniglotTaskTensors {
  xSupport: Tensor;
  ySupport: Tensor;
  xQuery: Tensor;
  yQuery: Tensor;
}

export function omniglotTasks(
  inputs: MamlOmniglotInputs,
  dtype: FloatDType,
): OmniglotTaskTensors[] {
  return inputs.tasks.map((task) => ({
    xSupport: toTensor(task.xSupport, dtype),
    ySupport: toLabels(task.ySupport),
    xQuery: toTensor(task.xQuery, dtype),
    yQuery: toLabels(task.yQuery),
  }));
}

/** Computes the MAML meta-loss of the Omniglot classifier and its gradient (second order unless `firstOrder`). */
export function omniglotMetaGradient(
  params: Params,
  tasks: OmniglotTaskTensors[],
  innerLr: number,
  firstOrder = false,
): [Tensor, Params] {
  const metaLoss = (p: Params) => {
    let total: Tensor | null = null;
    for (const task of tasks) {
      const supportLoss = (q: Params) =>
        crossEntropy(omniglotLogits(q, task.xSupport), task.ySupport);
      const at = firstOrder ? (mapTree(p, (t: Tensor) => t.detach()) as Params) : p;
      const fast = sgdStep(p, grad(supportLoss)(at) as Params, innerLr);
      const queryLoss = crossEntropy(omniglotLogits(fast, task.xQuery), task.yQuery);
      total = total ? total.add(queryLoss) : queryLoss;
    }
    return total!.div(tasks.length);
  };
  return valueAndGrad(metaLoss)(params) as [Tensor, Params];
}
