import { dispose, Generator, type Tensor, tidy, valueAndGrad } from '@metagrad/core';
import { Adam } from '@metagrad/optim';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { metaGradient, pretrainLoss } from './maml.js';
import { initMlp, type MlpParams } from './model.js';
import { createProgress } from './progress.js';
import { sampleTasks } from './tasks.js';

/** The settings of a run; the command-line flags map onto these one to one. */
export interface TrainConfig {
  iterations: number;
  seed: number;
  shots: number;
  innerSteps: number;
  innerLr: number;
  metaLr: number;
  metaBatch: number;
  firstOrder: boolean;
  dtype: 'float32' | 'float64';
  checkpointEvery: number;
}

/** Settings that must not change when a run is resumed, because they change the numbers. */
const FIXED_ON_RESUME: (keyof TrainConfig)[] = [
  'seed',
  'shots',
  'innerSteps',
  'innerLr',
  'metaLr',
  'metaBatch',
  'firstOrder',
  'dtype',
];

export interface TrainResult {
  params: MlpParams;
  losses: number[];
}

/**
 * Meta-trains the MLP with MAML: each iteration samples a meta-batch of tasks, adapts to each
 * task's support set, and takes one Adam step on the query loss's meta-gradient. Writes a
 * checkpoint every `checkpointEvery` iterations and at the end; `resume` continues from it.
 */
export function metaTrain(
  config: TrainConfig,
  checkpointPath: string,
  resume: boolean,
): TrainResult {
  const generator = new Generator(config.seed);
  let start = 0;
  let losses: number[] = [];
  let optimizer: Adam<MlpParams>;
  if (resume) {
    const checkpoint = loadCheckpoint(checkpointPath);
    for (const key of FIXED_ON_RESUME) {
      if (checkpoint.config[key] !== config[key]) {
        throw new Error(
          `--resume: the checkpoint was made with ${key} = ${JSON.stringify(checkpoint.config[key])} but this run has ${JSON.stringify(config[key])}; use the same settings`,
        );
      }
    }
    generator.setState(checkpoint.generator);
    optimizer = new Adam(checkpoint.params, { lr: config.metaLr });
    dispose(optimizer.state);
    optimizer.state = checkpoint.optimizer;
    start = checkpoint.iteration;
    losses = checkpoint.losses;
  } else {
    optimizer = new Adam(initMlp(generator, config.dtype), { lr: config.metaLr });
  }
  const inner = { steps: config.innerSteps, lr: config.innerLr, firstOrder: config.firstOrder };
  const progress = createProgress(config.firstOrder ? 'FOMAML' : 'MAML', start, config.iterations);
  const save = (iteration: number) =>
    saveCheckpoint(checkpointPath, {
      iteration,
      params: optimizer.params,
      optimizer: optimizer.state,
      generator: generator.getState(),
      config: { ...config },
      losses,
    });
  for (let iteration = start + 1; iteration <= config.iterations; iteration++) {
    const loss = tidy(() => {
      const batch = sampleTasks(
        generator,
        config.metaBatch,
        config.shots,
        config.shots,
        config.dtype,
      );
      const [value, grads] = metaGradient(optimizer.params, batch, inner);
      optimizer.step(grads);
      return value.item();
    });
    losses.push(loss);
    progress.update(iteration, loss);
    if (iteration % config.checkpointEvery === 0 || iteration === config.iterations)
      save(iteration);
  }
  progress.stop();
  if (start >= config.iterations) save(start);
  const params = optimizer.params;
  dispose(optimizer.state);
  return { params, losses };
}

/**
 * The baseline of Finn et al.: the same network trained with Adam on tasks drawn from the same
 * distribution, without an inner loop, then fine-tuned exactly as the meta-learned one.
 */
export function pretrainBaseline(config: TrainConfig, iterations: number): TrainResult {
  const generator = new Generator(config.seed + 1);
  const optimizer = new Adam(initMlp(generator, config.dtype), { lr: config.metaLr });
  const losses: number[] = [];
  const progress = createProgress('baseline', 0, iterations);
  for (let iteration = 1; iteration <= iterations; iteration++) {
    const loss = tidy(() => {
      const batch = sampleTasks(
        generator,
        config.metaBatch,
        config.shots,
        config.shots,
        config.dtype,
      );
      const [value, grads] = valueAndGrad((p: MlpParams) => pretrainLoss(p, batch))(
        optimizer.params,
      ) as [Tensor, MlpParams];
      optimizer.step(grads);
      return value.item();
    });
    losses.push(loss);
    progress.update(iteration, loss);
  }
  progress.stop();
  const params = optimizer.params;
  dispose(optimizer.state);
  return { params, losses };
}
