import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
// The Node bundle of tfjs-core registers no gradients; this is what `@tensorflow/tfjs` imports.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { type HostParams, type HostTensor, permute, toFloat32 } from '../data.js';
import { type Prepared, type System, UnsupportedError } from '../system.js';
import {
  type ConvInputs,
  type LstmInputs,
  type MamlOmniglotInputs,
  type MamlSineInputs,
  OMNIGLOT_BLOCKS,
  OMNIGLOT_PARAM_NAMES,
  SINE_PARAM_NAMES,
} from '../workloads.js';

// PyTorch layouts to TensorFlow's: NCHW -> NHWC and OIHW -> HWIO, and back.
const TO_NHWC = [0, 2, 3, 1];
const FROM_NHWC = [0, 3, 1, 2];
const TO_HWIO = [2, 3, 1, 0];
const FROM_HWIO = [3, 2, 0, 1];

function toTf(host: HostTensor, perm?: number[]): tf.Tensor {
  const t = perm ? permute(host, perm) : host;
  return tf.tensor(toFloat32(t), t.shape, 'float32');
}

async function toHost(t: tf.Tensor, perm?: number[]): Promise<HostTensor> {
  const host = { shape: [...t.shape], data: Float64Array.from(await t.data()) };
  return perm ? permute(host, perm) : host;
}

/** Passes `x` through with a zero gradient, for first-order MAML (tfjs has no stopGradient op). */
const stopGradient = tf.customGrad((...inputs) => {
  const x = inputs[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
});

/** Times tf.grads of `loss` with respect to `leaves`; tf.grads frees the intermediates. */
function gradientRun(
  leaves: tf.Tensor[],
  constants: tf.Tensor[],
  loss: (...leaves: tf.Tensor[]) => tf.Tensor,
  toHostGradient: (grads: tf.Tensor[]) => Promise<HostParams>,
): Prepared {
  return {
    run: () => {
      tf.dispose(tf.grads(loss as (...leaves: tf.Tensor[]) => tf.Scalar)(leaves));
    },
    gradient: async () => {
      const grads = tf.grads(loss as (...leaves: tf.Tensor[]) => tf.Scalar)(leaves);
      const host = await toHostGradient(grads);
      tf.dispose(grads);
      return host;
    },
    dispose: () => tf.dispose([...leaves, ...constants]),
  };
}

function convRun(inputs: ConvInputs): Prepared {
  const x = toTf(inputs.x, TO_NHWC) as tf.Tensor4D;
  const weight = toTf(inputs.weight, TO_HWIO) as tf.Tensor4D;
  const bias = toTf(inputs.bias);
  const dy = toTf(inputs.dy, TO_NHWC);
  const loss = (...[x, weight, bias]: tf.Tensor[]) =>
    tf.sum(tf.mul(tf.add(tf.conv2d(x as tf.Tensor4D, weight as tf.Tensor4D, 1, 1), bias), dy));
  return gradientRun([x, weight, bias], [dy], loss, async ([gx, gw, gb]) => ({
    x: await toHost(gx, FROM_NHWC),
    weight: await toHost(gw, FROM_HWIO),
    bias: await toHost(gb),
  }));
}

/** Training-mode batch normalization over the channels of an NHWC tensor. */
function batchNormNhwc(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.batchNorm(x, mean, variance, bias, weight, 1e-5);
}

function batchNormRun(inputs: ConvInputs): Prepared {
  const x = toTf(inputs.x, TO_NHWC);
  const weight = toTf(inputs.weight);
  const bias = toTf(inputs.bias);
  const dy = toTf(inputs.dy, TO_NHWC);
  const loss = (...[x, weight, bias]: tf.Tensor[]) =>
    tf.sum(tf.mul(batchNormNhwc(x, weight, bias), dy));
  return gradientRun([x, weight, bias], [dy], loss, async ([gx, gw, gb]) => ({
    x: await toHost(gx, FROM_NHWC),
    weight: await toHost(gw),
    bias: await toHost(gb),
  }));
}

/** Runs one direction of an LSTM layer with torch.nn.LSTM's gate order i, f, g, o: [T, B, H]. */
function lstmDirection(
  x: tf.Tensor,
  [weightIh, weightHh, biasIh, biasHh]: tf.Tensor[],
  hidden: number,
  reverse: boolean,
): tf.Tensor {
  const [steps, batch, features] = x.shape;
  // The input projection of every step at once: [T, B, 4H].
  const projected = tf.reshape(
    tf.add(
      tf.matMul(tf.reshape(x, [steps * batch, features]), weightIh, false, true),
      tf.add(biasIh, biasHh),
    ),
    [steps, batch, 4 * hidden],
  );
  const inputs = tf.unstack(projected);
  let h: tf.Tensor = tf.zeros([batch, hidden]);
  let c: tf.Tensor = tf.zeros([batch, hidden]);
  const outputs = new Array<tf.Tensor>(steps);
  for (let k = 0; k < steps; k++) {
    const t = reverse ? steps - 1 - k : k;
    const gates = tf.add(inputs[t], tf.matMul(h, weightHh, false, true));
    const [i, f, g, o] = tf.split(gates, 4, 1);
    c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
    h = tf.mul(tf.sigmoid(o), tf.tanh(c));
    outputs[t] = h;
  }
  return tf.stack(outputs);
}

function lstmRun(inputs: LstmInputs): Prepared {
  const names = Object.keys(inputs.weights);
  const x = toTf(inputs.x);
  const weights = names.map((name) => toTf(inputs.weights[name]));
  const dy = toTf(inputs.dy);
  const loss = (...[x, ...w]: tf.Tensor[]) => {
    const forward = lstmDirection(x, w.slice(0, 4), inputs.hiddenSize, false);
    const backward = lstmDirection(x, w.slice(4, 8), inputs.hiddenSize, true);
    return tf.sum(tf.mul(tf.concat([forward, backward], 2), dy));
  };
  return gradientRun([x, ...weights], [dy], loss, async ([gx, ...gw]) => {
    const host: HostParams = { x: await toHost(gx) };
    for (const [k, name] of names.entries()) host[name] = await toHost(gw[k]);
    return host;
  });
}

/** A meta-gradient function over a list of weights, and its weights in PyTorch layouts. */
interface MetaProblem {
  names: readonly string[];
  /** Per weight, the permutation from PyTorch's layout to the one used here. */
  layouts: (number[] | undefined)[];
  params: HostParams;
  data: tf.Tensor[];
  metaLoss: (...params: tf.Tensor[]) => tf.Scalar;
  metaLr: number;
}

/** Times a MAML meta-iteration: tf.grads of the meta-loss, then one step of tf.train.adam. */
function metaIteration(problem: MetaProblem, prefix: string): Prepared {
  const variables = problem.names.map((name, k) =>
    tf.variable(toTf(problem.params[name], problem.layouts[k]), true, `${prefix}/${name}`),
  );
  const optimizer = tf.train.adam(problem.metaLr);
  return {
    run: () =>
      tf.tidy(() => {
        const grads = tf.grads(problem.metaLoss)(variables);
        optimizer.applyGradients(variables.map((v, k) => ({ name: v.name, tensor: grads[k] })));
      }),
    gradient: async () => {
      const grads = tf.grads(problem.metaLoss)(variables);
      const host: HostParams = {};
      for (const [k, name] of problem.names.entries()) {
        const layout = problem.layouts[k];
        host[name] = await toHost(grads[k], layout && inversePermutation(layout));
      }
      tf.dispose(grads);
      return host;
    },
    dispose: () => {
      optimizer.dispose();
      tf.dispose([...variables, ...problem.data]);
    },
  };
}

function inversePermutation(perm: number[]): number[] {
  const inverse = new Array<number>(perm.length);
  perm.forEach((axis, i) => {
    inverse[axis] = i;
  });
  return inverse;
}

function sineProblem(inputs: MamlSineInputs): MetaProblem {
  const [xs, ys, xq, yq] = [inputs.xSupport, inputs.ySupport, inputs.xQuery, inputs.yQuery].map(
    (t) => toTf(t),
  );
  const tasks = inputs.xSupport.shape[0];
  // x W^T + b for per-task weights: x [tasks, points, in], W [tasks, out, in], b [tasks, out].
  const taskLinear = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
    tf.add(tf.matMul(x, w, false, true), tf.expandDims(b, 1));
  const taskLosses = (p: tf.Tensor[], x: tf.Tensor, y: tf.Tensor) => {
    const h1 = tf.relu(taskLinear(x, p[0], p[1]));
    const h2 = tf.relu(taskLinear(h1, p[2], p[3]));
    return tf.mean(tf.square(tf.sub(taskLinear(h2, p[4], p[5]), y)), [1, 2]);
  };
  const metaLoss = (...params: tf.Tensor[]) => {
    const copies = params.map((t) => tf.broadcastTo(tf.expandDims(t, 0), [tasks, ...t.shape]));
    const at = inputs.firstOrder ? copies.map((t) => stopGradient(t)) : copies;
    const grads = tf.grads((...q: tf.Tensor[]) => tf.sum(taskLosses(q, xs, ys)) as tf.Scalar)(at);
    const fast = copies.map((t, k) => tf.sub(t, tf.mul(grads[k], inputs.innerLr)));
    return tf.mean(taskLosses(fast, xq, yq)) as tf.Scalar;
  };
  return {
    names: SINE_PARAM_NAMES,
    layouts: SINE_PARAM_NAMES.map(() => undefined),
    params: inputs.params,
    data: [xs, ys, xq, yq],
    metaLoss,
    metaLr: inputs.metaLr,
  };
}

/**
 * Differentiates a gradient through a small strided conv2d and raises UnsupportedError with
 * tfjs's message when that fails (tfjs 4.22 has no gradient for Conv2DBackpropFilter). W6 would
 * otherwise only fail after a full forward pass over all its tasks.
 */
function assertSecondOrderConv(): void {
  tf.tidy(() => {
    const x = tf.ones([1, 4, 4, 1]) as tf.Tensor4D;
    const inner = (w: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x, w as tf.Tensor4D, 2, 1)));
    try {
      tf.grad((w: tf.Tensor) => tf.sum(tf.square(tf.grad(inner)(w))))(tf.ones([3, 3, 1, 1]));
    } catch (error) {
      throw new UnsupportedError(
        `second-order gradient through conv2d: ${(error as Error).message}`,
      );
    }
  });
}

function omniglotProblem(inputs: MamlOmniglotInputs): MetaProblem {
  assertSecondOrderConv();
  const ways = 5;
  const tasks = inputs.tasks.map((task) => ({
    xSupport: toTf(task.xSupport, TO_NHWC),
    ySupport: tf.oneHot(tf.tensor1d(task.ySupport.data, 'int32'), ways),
    xQuery: toTf(task.xQuery, TO_NHWC),
    yQuery: tf.oneHot(tf.tensor1d(task.yQuery.data, 'int32'), ways),
  }));
  const names = OMNIGLOT_PARAM_NAMES;
  const index = new Map(names.map((name, k) => [name, k]));
  const logits = (p: tf.Tensor[], x: tf.Tensor) => {
    const weight = (name: string) => p[index.get(name)!];
    let h = x;
    for (let block = 1; block <= OMNIGLOT_BLOCKS; block++) {
      const conv = tf.conv2d(h as tf.Tensor4D, weight(`conv${block}.weight`) as tf.Tensor4D, 2, 1);
      h = tf.add(conv, weight(`conv${block}.bias`));
      h = tf.relu(batchNormNhwc(h, weight(`bn${block}.weight`), weight(`bn${block}.bias`)));
    }
    return tf.add(
      tf.matMul(tf.mean(h, [1, 2]), weight('head.weight'), false, true),
      weight('head.bias'),
    );
  };
  // Cross-entropy written with logSumExp, which tfjs differentiates twice (its
  // softmaxCrossEntropy defines its gradient with customGrad).
  const crossEntropy = (z: tf.Tensor, oneHot: tf.Tensor) =>
    tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.sub(z, tf.logSumExp(z, 1, true))), 1)));
  const metaLoss = (...params: tf.Tensor[]) => {
    let total: tf.Tensor = tf.scalar(0);
    for (const task of tasks) {
      const supportLoss = (...q: tf.Tensor[]) =>
        crossEntropy(logits(q, task.xSupport), task.ySupport) as tf.Scalar;
      const grads = tf.grads(supportLoss)(params);
      const fast = params.map((t, k) => tf.sub(t, tf.mul(grads[k], inputs.innerLr)));
      total = tf.add(total, crossEntropy(logits(fast, task.xQuery), task.yQuery));
    }
    return tf.div(total, tasks.length) as tf.Scalar;
  };
  return {
    names,
    layouts: names.map((name) =>
      name.startsWith('conv') && name.endsWith('weight') ? TO_HWIO : undefined,
    ),
    params: inputs.params,
    data: tasks.flatMap((t) => [t.xSupport, t.ySupport, t.xQuery, t.yQuery]),
    metaLoss,
    metaLr: inputs.metaLr,
  };
}

let wasmPathSet = false;

/** TensorFlow.js (tfjs-core with its cpu or wasm backend), in float32. */
export async function tfjsSystem(backend: 'cpu' | 'wasm'): Promise<System> {
  if (backend === 'wasm' && !wasmPathSet) {
    // Load the .wasm files from node_modules rather than from a CDN.
    const resolver = createRequire(import.meta.url);
    setWasmPaths(`${dirname(resolver.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
    wasmPathSet = true;
  }
  // In tfjs 4.22 prod mode only silences the library's console messages (the tfjs-node banner).
  tf.enableProdMode();
  if (!(await tf.setBackend(backend))) {
    throw new Error(`tfjs: backend '${backend}' failed to initialize`);
  }
  await tf.ready();
  let details = `backend ${backend}`;
  if (backend === 'wasm') {
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    details += `, SIMD ${simd ? 'on' : 'off'}, ${getThreadsCount()} thread(s)`;
  }
  return {
    name: `tfjs-${backend}`,
    packages: { '@tensorflow/tfjs-core': tf.version_core },
    details,
    // tfjs raises "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'" for a missing
    // kernel and "gradient function not found for Conv2DBackpropFilter" for a missing gradient.
    isUnsupported: (error) =>
      error instanceof Error &&
      /Kernel '\w+' not registered|gradient function not found for/.test(error.message),
    activate: async () => {
      if (tf.getBackend() !== backend) await tf.setBackend(backend);
    },
    prepare: {
      matmul256: ({ a, b }) => matmulRun(toTf(a), toTf(b)),
      matmul1024: ({ a, b }) => matmulRun(toTf(a), toTf(b)),
      conv1: convRun,
      conv64: convRun,
      batchNorm: batchNormRun,
      lstm: lstmRun,
      mamlSine2: (inputs) => metaIteration(sineProblem(inputs), `${backend}/sine2`),
      mamlSine1: (inputs) => metaIteration(sineProblem(inputs), `${backend}/sine1`),
      mamlOmniglot: (inputs) => metaIteration(omniglotProblem(inputs), `${backend}/omniglot`),
    },
  };
}

function matmulRun(a: tf.Tensor, b: tf.Tensor): Prepared {
  return {
    run: () => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D).dispose(),
    dispose: () => tf.dispose([a, b]),
  };
}
