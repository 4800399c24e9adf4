import {
  concat,
  dispose,
  fromTypedArray,
  Generator,
  keep,
  ones,
  type Tensor,
  tidy,
  valueAndGrad,
  zeros,
} from '@metagrad/core';
import {
  batchNorm,
  conv2d,
  crossEntropy,
  initConv2d,
  initLinear,
  initLstm,
  linear,
  lstm,
  maxPool2d,
  mseLoss,
  relu,
} from '@metagrad/nn-functional';
import { Adam } from '@metagrad/optim';
import { onBackend } from '../evaluate.js';
import { compareLiveCounts, liveCounts } from '../live_counts.js';
import type { CaseOutcome, ConformanceCase } from '../types.js';
import { drawInput, type InputSpec, SeededRandom } from './random_inputs.js';

type Params = Record<string, Record<string, Tensor>>;

/** Buffers carried from one step to the next outside the gradient (batchNorm's statistics). */
type Buffers = Record<string, Tensor>;

/** A layer trained by the memory cases: its weights, its batch and its loss. */
interface TrainingSetup {
  params: Params;
  buffers: Buffers;
  batch: Tensor[];
  /** Returns the loss and the buffers for the next step. */
  loss(params: Params, buffers: Buffers, batch: Tensor[]): [Tensor, Buffers];
}

function randomTensor(spec: InputSpec, random: SeededRandom): Tensor {
  const values = drawInput(spec, random);
  const dtype = values instanceof Int32Array ? 'int32' : 'float32';
  return fromTypedArray(values, spec.shape, dtype);
}

function linearSetup(random: SeededRandom, generator: Generator): TrainingSetup {
  const { weight, bias } = initLinear(13, 5, generator);
  return {
    params: { head: { weight, bias: bias! } },
    buffers: {},
    batch: [randomTensor({ shape: [16, 13] }, random), randomTensor({ shape: [16, 5] }, random)],
    loss: (p, buffers, [x, y]) => [mseLoss(linear(x, p.head.weight, p.head.bias), y), buffers],
  };
}

function convSetup(random: SeededRandom, generator: Generator): TrainingSetup {
  const conv = initConv2d(3, 6, 3, generator);
  const head = initLinear(6 * 4 * 4, 5, generator);
  return {
    params: {
      conv: { weight: conv.weight, bias: conv.bias! },
      bn: { weight: ones([6]), bias: zeros([6]) },
      head: { weight: head.weight, bias: head.bias! },
    },
    buffers: { runningMean: zeros([6]), runningVar: ones([6]) },
    batch: [
      randomTensor({ shape: [4, 3, 9, 9] }, random),
      randomTensor({ shape: [4], kind: 'index', max: 5 }, random),
    ],
    loss: (p, buffers, [x, labels]) => {
      const features = conv2d(x, p.conv.weight, p.conv.bias, { padding: 1 });
      const normalized = batchNorm(features, {
        weight: p.bn.weight,
        bias: p.bn.bias,
        runningMean: buffers.runningMean,
        runningVar: buffers.runningVar,
        training: true,
      });
      const pooled = maxPool2d(relu(normalized.output), { kernelSize: 2 });
      const logits = linear(pooled.flatten(1), p.head.weight, p.head.bias);
      return [
        crossEntropy(logits, labels),
        { runningMean: normalized.runningMean!, runningVar: normalized.runningVar! },
      ];
    },
  };
}

function lstmSetup(random: SeededRandom, generator: Generator): TrainingSetup {
  const head = initLinear(16, 3, generator);
  return {
    params: {
      lstm: initLstm({ inputSize: 5, hiddenSize: 8, bidirectional: true }, generator),
      head: { weight: head.weight, bias: head.bias! },
    },
    buffers: {},
    batch: [randomTensor({ shape: [6, 4, 5] }, random), randomTensor({ shape: [4, 3] }, random)],
    loss: (p, buffers, [x, y]) => {
      const [, [hN]] = lstm(x, undefined, p.lstm, { bidirectional: true });
      const features = concat([hN.select(0, 0), hN.select(0, 1)], -1);
      return [mseLoss(linear(features, p.head.weight, p.head.bias), y), buffers];
    },
  };
}

/**
 * Trains a layer with Adam on `backend` and checks its live tensor, byte and buffer counts.
 * They must be the same after `steps` more steps as after two warm-up steps (which create the
 * optimizer state), and back to their starting values once everything is disposed.
 */
async function runTrainingLoop(
  setup: (random: SeededRandom, generator: Generator) => TrainingSetup,
  steps: number,
  backend: string,
): Promise<CaseOutcome> {
  const initial = liveCounts(backend);
  const model = onBackend(backend, () => setup(new SeededRandom(1), new Generator(1)));
  const optimizer = new Adam(model.params, { lr: 1e-3 });
  let buffers = model.buffers;
  const objective = (params: Params) => model.loss(params, buffers, model.batch);

  const step = async () => {
    const loss = onBackend(backend, () =>
      tidy(() => {
        const [[value, next], grads] = valueAndGrad(objective, { hasAux: true })(
          optimizer.params,
        ) as unknown as [[Tensor, Buffers], Params];
        optimizer.step(grads);
        for (const t of Object.values(next)) keep(t);
        for (const [key, t] of Object.entries(buffers)) if (next[key] !== t) t.dispose();
        buffers = next;
        // A detached handle drops the graph, so tidy frees the whole step.
        return value.detach();
      }),
    );
    const [value] = await loss.data();
    loss.dispose();
    if (!Number.isFinite(value)) throw new Error(`the training loss became ${value}`);
  };

  try {
    await step();
    await step();
    const warm = liveCounts(backend);
    for (let i = 0; i < steps; i++) await step();
    const trained = liveCounts(backend);
    optimizer.dispose();
    dispose([buffers, model.batch]);
    return {
      comparisons: [
        ...compareLiveCounts(`after ${steps} more steps`, warm, trained),
        ...compareLiveCounts('after disposing the loop', initial, liveCounts(backend)),
      ],
    };
  } catch (error) {
    optimizer.dispose();
    dispose([buffers, model.batch]);
    throw error;
  }
}

/** Options of {@link memoryCases}. */
export interface MemoryOptions {
  steps?: number;
}

const SETUPS: [
  op: string,
  name: string,
  setup: (r: SeededRandom, g: Generator) => TrainingSetup,
][] = [
  ['linear', 'training loop keeps memory flat', linearSetup],
  ['conv2d+batchNorm', 'training loop keeps memory flat', convSetup],
  ['lstm', 'training loop keeps memory flat', lstmSetup],
];

/** Returns the memory cases: a training loop of linear, conv2d + batchNorm and a bidirectional lstm. */
export function memoryCases(options: MemoryOptions = {}): ConformanceCase[] {
  const steps = options.steps ?? 5;
  return SETUPS.map(
    ([op, name, setup]): ConformanceCase => ({
      op,
      name: `memory: ${name}`,
      kind: 'memory',
      dtype: 'float32',
      run: (backend) => runTrainingLoop(setup, steps, backend),
    }),
  );
}
