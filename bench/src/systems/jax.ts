import * as jax from '@jax-js/jax';
import type { HostParams, HostTensor } from '../data.js';
import type { Prepared, System } from '../system.js';
import { packageVersion } from '../versions.js';
import {
  type ConvInputs,
  type LstmInputs,
  type MamlOmniglotInputs,
  type MamlSineInputs,
  OMNIGLOT_BLOCKS,
  OMNIGLOT_PARAM_NAMES,
  OMNIGLOT_WAYS,
  SINE_PARAM_NAMES,
} from '../workloads.js';

// NOTE: jax-js moves arrays into the ops they are passed to (an op frees its inputs), so every
// array used more than once is passed as `.ref` (one more reference) for all but its last use.

const np = jax.numpy;
type Arr = jax.Array;
type Tree = Record<string, Arr>;

function toJax(host: HostTensor): Arr {
  return np.array(Float32Array.from(host.data), { shape: host.shape, dtype: np.float32 });
}

function toJaxTree(host: HostParams, names: readonly string[] = Object.keys(host)): Tree {
  return Object.fromEntries(names.map((name) => [name, toJax(host[name])]));
}

/** Reads a tree into host arrays; reading consumes the arrays. */
async function toHostTree(tree: Tree): Promise<HostParams> {
  const host: HostParams = {};
  for (const [name, t] of Object.entries(tree)) {
    const shape = [...t.shape];
    host[name] = { shape, data: Float64Array.from(await t.data()) };
  }
  return host;
}

const refTree = (tree: Tree): Tree => jax.tree.ref(tree);

async function finish(result: unknown): Promise<void> {
  await jax.blockUntilReady(result as Tree);
  jax.tree.dispose(result as Tree);
}

/** Training-mode batch normalization over axis 1 of an NCHW array (biased variance, eps 1e-5). */
function batchNorm(x: Arr, weight: Arr, bias: Arr): Arr {
  const channels = x.shape[1];
  const mean = np.mean(x.ref, [0, 2, 3], { keepdims: true });
  const centered = np.subtract(x, mean);
  const variance = np.mean(np.square(centered.ref), [0, 2, 3], { keepdims: true });
  const normalized = np.divide(centered, np.sqrt(np.add(variance, 1e-5)));
  return np.add(
    np.multiply(normalized, weight.reshape([1, channels, 1, 1])),
    bias.reshape([1, channels, 1, 1]),
  );
}

/** Runs one direction of an LSTM layer with torch.nn.LSTM's gate order i, f, g, o: [T, B, H]. */
function lstmDirection(x: Arr, [weightIh, weightHh, biasIh, biasHh]: Arr[], reverse: boolean): Arr {
  const [steps, batch, features] = x.shape;
  const hidden = weightHh.shape[1];
  // The input projection of every step at once: [T, B, 4H].
  const projected = np
    .add(
      np.matmul(x.reshape([steps * batch, features]), np.transpose(weightIh)),
      np.add(biasIh, biasHh),
    )
    .reshape([steps, batch, 4 * hidden]);
  const inputs = np.unstack(projected, 0);
  const recurrent = np.transpose(weightHh);
  let h = np.zeros([batch, hidden], { dtype: np.float32 });
  let c = np.zeros([batch, hidden], { dtype: np.float32 });
  const outputs = new Array<Arr>(steps);
  for (let k = 0; k < steps; k++) {
    const t = reverse ? steps - 1 - k : k;
    const gates = np.add(inputs[t], np.matmul(h, recurrent.ref));
    const [i, f, g, o] = np.split(gates, 4, 1);
    c = np.add(np.multiply(jax.nn.sigmoid(f), c), np.multiply(jax.nn.sigmoid(i), np.tanh(g)));
    h = np.multiply(jax.nn.sigmoid(o), np.tanh(c.ref));
    outputs[t] = h.ref;
  }
  recurrent.dispose();
  h.dispose();
  c.dispose();
  return np.stack(outputs);
}

/** Times `grad(loss)(leaves, constant)`, under jit or eagerly. */
function gradientRun(
  leaves: Tree,
  constant: Arr,
  loss: (leaves: Tree, constant: Arr) => Arr,
  useJit: boolean,
): Prepared {
  const gradient = jax.grad(loss);
  const compiled = useJit ? jax.jit(gradient) : gradient;
  return {
    run: () => finish(compiled(refTree(leaves), constant.ref)),
    gradient: () => toHostTree(compiled(refTree(leaves), constant.ref) as Tree),
    dispose: () => {
      if (useJit) (compiled as jax.OwnedFunction<typeof gradient>).dispose();
      jax.tree.dispose([leaves, constant]);
    },
  };
}

function convRun(inputs: ConvInputs, useJit: boolean): Prepared {
  const leaves = toJaxTree({ x: inputs.x, weight: inputs.weight, bias: inputs.bias });
  const loss = ({ x, weight, bias }: Tree, dy: Arr) => {
    const y = jax.lax.convGeneralDilated(
      x,
      weight,
      [1, 1],
      [
        [1, 1],
        [1, 1],
      ],
    );
    return np.sum(np.multiply(np.add(y, bias.reshape([1, -1, 1, 1])), dy));
  };
  return gradientRun(leaves, toJax(inputs.dy), loss, useJit);
}

function batchNormRun(inputs: ConvInputs, useJit: boolean): Prepared {
  const leaves = toJaxTree({ x: inputs.x, weight: inputs.weight, bias: inputs.bias });
  const loss = ({ x, weight, bias }: Tree, dy: Arr) =>
    np.sum(np.multiply(batchNorm(x, weight, bias), dy));
  return gradientRun(leaves, toJax(inputs.dy), loss, useJit);
}

function lstmRun(inputs: LstmInputs, useJit: boolean): Prepared {
  const names = Object.keys(inputs.weights);
  const leaves = toJaxTree({ x: inputs.x, ...inputs.weights });
  const loss = (p: Tree, dy: Arr) => {
    const x = p.x;
    const forward = lstmDirection(
      x.ref,
      names.slice(0, 4).map((n) => p[n]),
      false,
    );
    const backward = lstmDirection(
      x,
      names.slice(4, 8).map((n) => p[n]),
      true,
    );
    return np.sum(np.multiply(np.concatenate([forward, backward], 2), dy));
  };
  return gradientRun(leaves, toJax(inputs.dy), loss, useJit);
}

/** Adam (PyTorch's defaults: betas 0.9 and 0.999, eps 1e-8) written with jax-js ops. */
interface AdamState {
  m: Tree;
  v: Tree;
}

function adamUpdate(
  params: Tree,
  grads: Tree,
  state: AdamState,
  lr: number,
  corrections: Arr,
): [Tree, AdamState] {
  const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];
  // corrections = [1 - beta1^t, 1 - beta2^t] is an input, so jit compiles the step only once.
  const [c1, c2] = np.split(corrections, 2, 0);
  const next: Tree = {};
  const m: Tree = {};
  const v: Tree = {};
  const names = Object.keys(params);
  for (const [k, name] of names.entries()) {
    const g = grads[name];
    m[name] = np.add(np.multiply(state.m[name], beta1), np.multiply(g.ref, 1 - beta1));
    v[name] = np.add(np.multiply(state.v[name], beta2), np.multiply(np.square(g), 1 - beta2));
    const last = k === names.length - 1;
    const mHat = np.divide(m[name].ref, last ? c1 : c1.ref);
    const vHat = np.divide(v[name].ref, last ? c2 : c2.ref);
    next[name] = np.subtract(
      params[name],
      np.multiply(np.divide(mHat, np.add(np.sqrt(vHat), eps)), lr),
    );
  }
  return [next, { m, v }];
}

type MetaLoss = (params: Tree, data: Arr[]) => Arr;

/** A MAML meta-iteration: the meta-gradient and one Adam step, as one function (jit or eager). */
function metaIteration(
  names: readonly string[],
  host: HostParams,
  data: Arr[],
  metaLoss: MetaLoss,
  metaLr: number,
  useJit: boolean,
): Prepared {
  let params = toJaxTree(host, names);
  const zeros = () =>
    Object.fromEntries(names.map((n) => [n, np.zeros(host[n].shape, { dtype: np.float32 })]));
  let state: AdamState = { m: zeros(), v: zeros() };
  let step = 0;
  const metaGradient = jax.grad(metaLoss);
  const iteration = (p: Tree, s: AdamState, corrections: Arr, batch: Arr[]) => {
    const [next, state] = adamUpdate(
      refTree(p),
      metaGradient(p, batch) as Tree,
      s,
      metaLr,
      corrections,
    );
    return [next, state.m, state.v];
  };
  const compiled = useJit ? jax.jit(iteration) : iteration;
  const refs = () => data.map((t) => t.ref);
  return {
    run: async () => {
      step++;
      const corrections = np.array(new Float32Array([1 - 0.9 ** step, 1 - 0.999 ** step]), {
        shape: [2],
      });
      const [next, m, v] = compiled(params, state, corrections, refs()) as Tree[];
      params = next;
      state = { m, v };
      await jax.blockUntilReady([params, m, v]);
    },
    gradient: () => toHostTree(metaGradient(refTree(params), refs()) as Tree),
    dispose: () => {
      if (useJit) (compiled as jax.OwnedFunction<typeof iteration>).dispose();
      jax.tree.dispose([params, state.m, state.v, data]);
    },
  };
}

function sineIteration(inputs: MamlSineInputs, useJit: boolean): Prepared {
  const tasks = inputs.xSupport.shape[0];
  // x W^T + b for per-task weights: x [tasks, points, in], W [tasks, out, in], b [tasks, out].
  const taskLinear = (x: Arr, w: Arr, b: Arr) =>
    np.add(np.matmul(x, np.swapaxes(w, -1, -2)), np.expandDims(b, 1));
  const taskLosses = (p: Tree, x: Arr, y: Arr) => {
    const h1 = jax.nn.relu(taskLinear(x, p['l1.weight'], p['l1.bias']));
    const h2 = jax.nn.relu(taskLinear(h1, p['l2.weight'], p['l2.bias']));
    return np.mean(np.square(np.subtract(taskLinear(h2, p['l3.weight'], p['l3.bias']), y)), [1, 2]);
  };
  const metaLoss: MetaLoss = (params, [xs, ys, xq, yq]) => {
    const copies: Tree = {};
    for (const [name, t] of Object.entries(params)) {
      copies[name] = np.broadcastTo(np.expandDims(t, 0), [tasks, ...t.shape]);
    }
    const at = inputs.firstOrder
      ? jax.tree.map((t: Arr) => jax.lax.stopGradient(t), refTree(copies))
      : refTree(copies);
    const supportLoss = (q: Tree) => np.sum(taskLosses(q, xs, ys));
    const grads = jax.grad(supportLoss)(at) as Tree;
    const fast: Tree = {};
    for (const name of Object.keys(copies)) {
      fast[name] = np.subtract(copies[name], np.multiply(grads[name], inputs.innerLr));
    }
    return np.mean(taskLosses(fast, xq, yq));
  };
  const data = [inputs.xSupport, inputs.ySupport, inputs.xQuery, inputs.yQuery].map(toJax);
  return metaIteration(SINE_PARAM_NAMES, inputs.params, data, metaLoss, inputs.metaLr, useJit);
}

function omniglotIteration(inputs: MamlOmniglotInputs, useJit: boolean): Prepared {
  const logits = (p: Tree, x: Arr) => {
    let h = x;
    for (let block = 1; block <= OMNIGLOT_BLOCKS; block++) {
      h = jax.lax.convGeneralDilated(
        h,
        p[`conv${block}.weight`],
        [2, 2],
        [
          [1, 1],
          [1, 1],
        ],
      );
      h = np.add(h, p[`conv${block}.bias`].reshape([1, -1, 1, 1]));
      h = jax.nn.relu(batchNorm(h, p[`bn${block}.weight`], p[`bn${block}.bias`]));
    }
    return np.add(np.matmul(np.mean(h, [2, 3]), np.transpose(p['head.weight'])), p['head.bias']);
  };
  const crossEntropy = (z: Arr, oneHot: Arr) =>
    np.negative(np.mean(np.sum(np.multiply(oneHot, jax.nn.logSoftmax(z, 1)), 1)));
  const tasks = inputs.tasks.length;
  const metaLoss: MetaLoss = (params, data) => {
    let total: Arr | null = null;
    for (let k = 0; k < tasks; k++) {
      const [xs, ys, xq, yq] = data.slice(4 * k, 4 * k + 4);
      const supportLoss = (q: Tree) => crossEntropy(logits(q, xs), ys);
      const grads = jax.grad(supportLoss)(refTree(params)) as Tree;
      const last = k === tasks - 1;
      const fast: Tree = {};
      for (const name of Object.keys(params)) {
        const p = last ? params[name] : params[name].ref;
        fast[name] = np.subtract(p, np.multiply(grads[name], inputs.innerLr));
      }
      const loss = crossEntropy(logits(fast, xq), yq);
      total = total ? np.add(total, loss) : loss;
    }
    return np.divide(total!, tasks);
  };
  const oneHot = (labels: Int32Array) => {
    const data = new Float32Array(labels.length * OMNIGLOT_WAYS);
    labels.forEach((label, i) => {
      data[i * OMNIGLOT_WAYS + label] = 1;
    });
    return np.array(data, { shape: [labels.length, OMNIGLOT_WAYS] });
  };
  const data = inputs.tasks.flatMap((task) => [
    toJax(task.xSupport),
    oneHot(task.ySupport.data),
    toJax(task.xQuery),
    oneHot(task.yQuery.data),
  ]);
  return metaIteration(OMNIGLOT_PARAM_NAMES, inputs.params, data, metaLoss, inputs.metaLr, useJit);
}

/** jax-js on its wasm device, eagerly or under jit. */
export async function jaxSystem(useJit: boolean): Promise<System> {
  // The wasm device is jax-js's CPU backend for speed. Its 'cpu' device is an interpreter that
  // took 3.6 s for one 256x256 matmul here, so it is not benchmarked.
  const devices = await jax.init('wasm');
  if (!devices.includes('wasm'))
    throw new Error(
      `jax-js: the wasm device failed to initialize (got ${devices.join(', ') || 'none'})`,
    );
  jax.defaultDevice('wasm');
  return {
    name: `jax-js-${useJit ? 'jit' : 'eager'}`,
    packages: { '@jax-js/jax': packageVersion('@jax-js/jax') },
    details: `device wasm, ${useJit ? 'each workload under jax.jit' : 'eager (no jit)'}`,
    activate: async () => {
      jax.defaultDevice('wasm');
    },
    prepare: {
      matmul256: ({ a, b }) => matmulRun(toJax(a), toJax(b), useJit),
      matmul1024: ({ a, b }) => matmulRun(toJax(a), toJax(b), useJit),
      conv1: (inputs) => convRun(inputs, useJit),
      conv64: (inputs) => convRun(inputs, useJit),
      batchNorm: (inputs) => batchNormRun(inputs, useJit),
      lstm: (inputs) => lstmRun(inputs, useJit),
      mamlSine2: (inputs) => sineIteration(inputs, useJit),
      mamlSine1: (inputs) => sineIteration(inputs, useJit),
      mamlOmniglot: (inputs) => omniglotIteration(inputs, useJit),
    },
  };
}

function matmulRun(a: Arr, b: Arr, useJit: boolean): Prepared {
  const product = (x: Arr, y: Arr) => np.matmul(x, y);
  const compiled = useJit ? jax.jit(product) : product;
  return {
    run: () => finish(compiled(a.ref, b.ref)),
    dispose: () => {
      if (useJit) (compiled as jax.OwnedFunction<typeof product>).dispose();
      jax.tree.dispose([a, b]);
    },
  };
}
