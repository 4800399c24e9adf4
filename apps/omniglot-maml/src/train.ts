import { dispose, Generator, tidy } from '@metagrad/core';
import { Adam } from '@metagrad/optim';
import { sampleTaskBatch, type TrainSet, trainingClasses } from './data.js';
import { metaGradient } from './maml.js';
import { type ConvNetConfig, type ConvNetParams, initConvNet } from './model.js';
import { createProgress } from './progress.js';

/** The settings of a run; the command-line flags map onto these one to one. */
export interface TrainConfig {
  iterations: number;
  seed: number;
  ways: number;
  shots: number;
  /** Query images per class in each training task. */
  queries: number;
  innerSteps: number;
  innerLr: number;
  metaLr: number;
  metaBatch: number;
  firstOrder: boolean;
  maxPool: boolean;
  /** Whether every task's head starts at zero (see {@link ConvNetConfig.zeroHead}). */
  zeroHead: boolean;
  filters: number;
  trainSet: TrainSet;
  /** Random affine distortion of every training image. */
  augment: boolean;
}

export interface TrainResult {
  params: ConvNetParams;
  /** Mean query loss after adaptation, per iteration. */
  losses: number[];
  /** Mean query accuracy after adaptation, per iteration. */
  accuracies: number[];
  /** Wall-clock time of the training loop. */
  seconds: number;
  /** CPU time of this process during the loop (user + system), which other load does not inflate. */
  cpuSeconds: number;
}

/** Reporting and saving during {@link metaTrain}. */
export interface TrainOptions {
  /** A progress bar on a terminal, log lines otherwise. Default true. */
  showProgress?: boolean;
  /**
   * A callback that receives the weights every `saveEvery` iterations, so a stopped run
   * leaves them.
   */
  save?: (params: ConvNetParams, iteration: number) => void;
  /** Iterations between calls to `save`. Default 100. */
  saveEvery?: number;
}

/**
 * Meta-trains the classifier with MAML: each iteration samples a meta-batch of N-way K-shot
 * tasks from the training classes (rotations included, images distorted if `augment`), adapts
 * to each task's support set, and takes one Adam step on the query loss's meta-gradient.
 */
export function metaTrain(config: TrainConfig, options: TrainOptions = {}): TrainResult {
  const { showProgress = true, save, saveEvery = 100 } = options;

  const classes = trainingClasses(config.trainSet);
  const generator = new Generator(config.seed);
  const architecture = { maxPool: config.maxPool, zeroHead: config.zeroHead };
  const optimizer = new Adam(initConvNet(config, generator), { lr: config.metaLr });
  const inner = { steps: config.innerSteps, lr: config.innerLr, firstOrder: config.firstOrder };
  const sampling = {
    tasks: config.metaBatch,
    ways: config.ways,
    shots: config.shots,
    queries: config.queries,
    augment: config.augment,
  };
  const label = `${config.firstOrder ? 'FOMAML' : 'MAML'} ${config.ways}-way ${config.shots}-shot`;
  const progress = showProgress ? createProgress(label, 0, config.iterations) : undefined;

  const losses: number[] = [];
  const accuracies: number[] = [];
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  for (let iteration = 1; iteration <= config.iterations; iteration++) {
    const [loss, accuracy] = tidy(() => {
      const batch = sampleTaskBatch(classes, sampling, generator);
      const result = metaGradient(optimizer.params, batch, inner, architecture);
      optimizer.step(result.grads);
      return [result.loss.item(), result.accuracy.item()];
    });
    losses.push(loss);
    accuracies.push(accuracy);
    progress?.update(iteration, loss, accuracy);
    if (save && iteration % saveEvery === 0) save(optimizer.params, iteration);
  }
  progress?.stop();

  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const params = optimizer.params;
  dispose(optimizer.state);
  return { params, losses, accuracies, seconds, cpuSeconds };
}
