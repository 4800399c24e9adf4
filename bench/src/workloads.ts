import {
  Generator,
  type HostLabels,
  type HostParams,
  type HostTensor,
  normalTensor,
  uniformTensor,
} from './data.js';

/** Matrix product a @ b (forward only). */
export interface MatmulInputs {
  a: HostTensor;
  b: HostTensor;
}

/**
 * conv2d(x, weight, bias) with stride 1 and padding 1, then the loss sum(y * dy) and its
 * gradients with respect to x, weight and bias. Layouts are PyTorch's (NCHW, OIHW).
 */
export interface ConvInputs {
  x: HostTensor;
  weight: HostTensor;
  bias: HostTensor;
  dy: HostTensor;
}

/**
 * Training-mode batch normalization over the channels of x [N, C, H, W] (batch statistics,
 * biased variance, eps 1e-5), then the loss sum(y * dy) and its gradients with respect to x,
 * weight and bias.
 */
export interface BatchNormInputs {
  x: HostTensor;
  weight: HostTensor;
  bias: HostTensor;
  dy: HostTensor;
}

/**
 * A one-layer bidirectional LSTM over x [T, B, I] from zero states with `torch.nn.LSTM`'s
 * weights (gates i, f, g, o), the loss sum(output * dy) with output [T, B, 2H], and its
 * gradients with respect to x and every weight.
 */
export interface LstmInputs {
  x: HostTensor;
  dy: HostTensor;
  weights: HostParams;
  hiddenSize: number;
}

/**
 * One MAML meta-iteration on sinusoid regression, as in the maml-sinusoid app. An MLP 1-40-40-1
 * with ReLU gets per-task copies of its weights and one inner SGD step on the summed per-task
 * support MSE. The mean per-task query MSE is the meta-loss, and one Adam step follows.
 */
export interface MamlSineInputs {
  params: HostParams;
  xSupport: HostTensor;
  ySupport: HostTensor;
  xQuery: HostTensor;
  yQuery: HostTensor;
  innerLr: number;
  metaLr: number;
  firstOrder: boolean;
}

/** One 5-way task of the Omniglot meta-iteration: images [n, 1, 28, 28] and labels [n]. */
export interface OmniglotTask {
  xSupport: HostTensor;
  ySupport: HostLabels;
  xQuery: HostTensor;
  yQuery: HostLabels;
}

/**
 * One MAML meta-iteration of the Omniglot classifier of Finn et al. (2017) in its strided
 * variant: four blocks of conv 3x3 (64 filters, stride 2, padding 1), training-mode batchNorm
 * with weight and bias, and ReLU (28 -> 14 -> 7 -> 4 -> 2), then the spatial mean and a linear
 * layer 64 -> 5. Each task takes one inner SGD step on its support cross-entropy, the
 * meta-loss is the mean query cross-entropy over the tasks, then one Adam step follows.
 */
export interface MamlOmniglotInputs {
  params: HostParams;
  tasks: OmniglotTask[];
  innerLr: number;
  metaLr: number;
}

export interface WorkloadInputs {
  matmul256: MatmulInputs;
  matmul1024: MatmulInputs;
  conv1: ConvInputs;
  conv64: ConvInputs;
  batchNorm: BatchNormInputs;
  lstm: LstmInputs;
  mamlSine2: MamlSineInputs;
  mamlSine1: MamlSineInputs;
  mamlOmniglot: MamlOmniglotInputs;
}

export type WorkloadId = keyof WorkloadInputs;

export interface Workload {
  id: WorkloadId;
  /** The row label in the results table. */
  title: string;
  /** Whether the meta-gradient is checked, and against which float64 reference. */
  check: 'second-order' | 'first-order' | null;
}

export const WORKLOADS: readonly Workload[] = [
  { id: 'matmul256', title: 'W1 matmul 256x256', check: null },
  { id: 'matmul1024', title: 'W1 matmul 1024x1024', check: null },
  { id: 'conv1', title: 'W2 conv2d fwd+bwd [25,1,28,28] 64x3x3', check: null },
  { id: 'conv64', title: 'W2 conv2d fwd+bwd [25,64,14,14] 64x3x3', check: null },
  { id: 'batchNorm', title: 'W3 batchNorm fwd+bwd [25,64,14,14]', check: null },
  { id: 'lstm', title: 'W4 BiLSTM fwd+bwd T=64 B=32 I=3 H=128', check: null },
  { id: 'mamlSine2', title: 'W5 MAML sinusoid, second order', check: 'second-order' },
  { id: 'mamlSine1', title: 'W5 MAML sinusoid, first order', check: 'first-order' },
  { id: 'mamlOmniglot', title: 'W6 MAML Omniglot conv4, second order', check: 'second-order' },
];

/** Parameter order of the sinusoid MLP (the gradient-check layout). */
export const SINE_PARAM_NAMES = [
  'l1.weight',
  'l1.bias',
  'l2.weight',
  'l2.bias',
  'l3.weight',
  'l3.bias',
] as const;

export const OMNIGLOT_BLOCKS = 4;
export const OMNIGLOT_WAYS = 5;
export const OMNIGLOT_FILTERS = 64;

/** Parameter order of the Omniglot classifier (the gradient-check layout). */
export const OMNIGLOT_PARAM_NAMES: readonly string[] = [
  ...Array.from({ length: OMNIGLOT_BLOCKS }, (_, i) => [
    `conv${i + 1}.weight`,
    `conv${i + 1}.bias`,
    `bn${i + 1}.weight`,
    `bn${i + 1}.bias`,
  ]).flat(),
  'head.weight',
  'head.bias',
];

/** Names of the one-layer bidirectional LSTM's weights, in `torch.nn.LSTM`'s order. */
export const LSTM_WEIGHT_NAMES = ['', '_reverse'].flatMap((suffix) => [
  `weight_ih_l0${suffix}`,
  `weight_hh_l0${suffix}`,
  `bias_ih_l0${suffix}`,
  `bias_hh_l0${suffix}`,
]);

/** nn.Linear's and nn.Conv2d's default init: uniform in (-1/sqrt(fanIn), 1/sqrt(fanIn)). */
function fanInUniform(generator: Generator, shape: number[], fanIn: number): HostTensor {
  const bound = 1 / Math.sqrt(fanIn);
  return uniformTensor(generator, shape, -bound, bound);
}

function matmulInputs(generator: Generator, n: number): MatmulInputs {
  return { a: normalTensor(generator, [n, n]), b: normalTensor(generator, [n, n]) };
}

function convInputs(generator: Generator, channels: number, size: number): ConvInputs {
  const fanIn = channels * 9;
  return {
    x: normalTensor(generator, [25, channels, size, size]),
    weight: fanInUniform(generator, [64, channels, 3, 3], fanIn),
    bias: fanInUniform(generator, [64], fanIn),
    dy: normalTensor(generator, [25, 64, size, size]),
  };
}

function batchNormInputs(generator: Generator): BatchNormInputs {
  return {
    x: normalTensor(generator, [25, 64, 14, 14]),
    weight: uniformTensor(generator, [64], 0.5, 1.5),
    bias: uniformTensor(generator, [64], -0.5, 0.5),
    dy: normalTensor(generator, [25, 64, 14, 14]),
  };
}

function lstmInputs(generator: Generator): LstmInputs {
  const [steps, batch, inputSize, hiddenSize] = [64, 32, 3, 128];
  const weights: HostParams = {};
  for (const name of LSTM_WEIGHT_NAMES) {
    const columns = name.startsWith('weight_ih')
      ? [inputSize]
      : name.startsWith('weight_hh')
        ? [hiddenSize]
        : [];
    weights[name] = fanInUniform(generator, [4 * hiddenSize, ...columns], hiddenSize);
  }
  return {
    x: normalTensor(generator, [steps, batch, inputSize]),
    dy: normalTensor(generator, [steps, batch, 2 * hiddenSize]),
    weights,
    hiddenSize,
  };
}

/** Samples `tasks` sinusoids y = A sin(x - phase), A in [0.1, 5], phase in [0, pi], x in [-5, 5]. */
function sinusoidPoints(
  generator: Generator,
  amplitude: number[],
  phase: number[],
  points: number,
): [HostTensor, HostTensor] {
  const shape = [amplitude.length, points, 1];
  const x = uniformTensor(generator, shape, -5, 5);
  const y = { shape, data: new Float64Array(x.data.length) };
  for (let i = 0; i < x.data.length; i++) {
    const task = Math.floor(i / points);
    y.data[i] = Math.fround(amplitude[task] * Math.sin(x.data[i] - phase[task]));
  }
  return [x, y];
}

function mamlSineInputs(generator: Generator, firstOrder: boolean): MamlSineInputs {
  const layer = (name: string, inFeatures: number, outFeatures: number): HostParams => ({
    [`${name}.weight`]: fanInUniform(generator, [outFeatures, inFeatures], inFeatures),
    [`${name}.bias`]: fanInUniform(generator, [outFeatures], inFeatures),
  });
  const params = { ...layer('l1', 1, 40), ...layer('l2', 40, 40), ...layer('l3', 40, 1) };
  const tasks = 25;
  const amplitude = Array.from({ length: tasks }, () => generator.uniform(0.1, 5));
  const phase = Array.from({ length: tasks }, () => generator.uniform(0, Math.PI));
  const [xSupport, ySupport] = sinusoidPoints(generator, amplitude, phase, 10);
  const [xQuery, yQuery] = sinusoidPoints(generator, amplitude, phase, 10);
  return { params, xSupport, ySupport, xQuery, yQuery, innerLr: 0.01, metaLr: 1e-3, firstOrder };
}

function labels(perClass: number): HostLabels {
  const data = new Int32Array(OMNIGLOT_WAYS * perClass);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(i / perClass);
  return { shape: [data.length], data };
}

function mamlOmniglotInputs(generator: Generator): MamlOmniglotInputs {
  const params: HostParams = {};
  for (let block = 1; block <= OMNIGLOT_BLOCKS; block++) {
    const inChannels = block === 1 ? 1 : OMNIGLOT_FILTERS;
    const fanIn = inChannels * 9;
    params[`conv${block}.weight`] = fanInUniform(
      generator,
      [OMNIGLOT_FILTERS, inChannels, 3, 3],
      fanIn,
    );
    params[`conv${block}.bias`] = fanInUniform(generator, [OMNIGLOT_FILTERS], fanIn);
    // Random rather than PyTorch's ones/zeros, so the check also covers the scale and shift.
    params[`bn${block}.weight`] = uniformTensor(generator, [OMNIGLOT_FILTERS], 0.5, 1.5);
    params[`bn${block}.bias`] = uniformTensor(generator, [OMNIGLOT_FILTERS], -0.1, 0.1);
  }
  params['head.weight'] = fanInUniform(
    generator,
    [OMNIGLOT_WAYS, OMNIGLOT_FILTERS],
    OMNIGLOT_FILTERS,
  );
  params['head.bias'] = fanInUniform(generator, [OMNIGLOT_WAYS], OMNIGLOT_FILTERS);
  const queriesPerClass = 15;
  const tasks = Array.from({ length: 4 }, () => ({
    xSupport: uniformTensor(generator, [OMNIGLOT_WAYS, 1, 28, 28], 0, 1),
    ySupport: labels(1),
    xQuery: uniformTensor(generator, [OMNIGLOT_WAYS * queriesPerClass, 1, 28, 28], 0, 1),
    yQuery: labels(queriesPerClass),
  }));
  return { params, tasks, innerLr: 0.4, metaLr: 1e-3 };
}

/** Builds the inputs of a workload from a fixed seed, so every system gets the same numbers. */
export function makeInputs<K extends WorkloadId>(id: K, seed = 0): WorkloadInputs[K] {
  const generator = new Generator(seed);
  const inputs: { [J in WorkloadId]: () => WorkloadInputs[J] } = {
    matmul256: () => matmulInputs(generator, 256),
    matmul1024: () => matmulInputs(generator, 1024),
    conv1: () => convInputs(generator, 1, 28),
    conv64: () => convInputs(generator, 64, 14),
    batchNorm: () => batchNormInputs(generator),
    lstm: () => lstmInputs(generator),
    mamlSine2: () => mamlSineInputs(generator, false),
    mamlSine1: () => mamlSineInputs(generator, true),
    mamlOmniglot: () => mamlOmniglotInputs(generator),
  };
  return inputs[id]();
}
