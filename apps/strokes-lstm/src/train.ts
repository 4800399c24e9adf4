import { dispose, Generator, type Tensor, tidy, valueAndGrad } from '@metagrad/core';
import type { OmniglotSet } from '@metagrad/datasets';
import { crossEntropy } from '@metagrad/nn-functional';
import { Adam } from '@metagrad/optim';
import { type StrokeClass, sampleDistinct, sampleStrokeEpisode } from './data.js';
import { metaGradient, type TaskTensors } from './maml.js';
import { accuracyOf, initStrokeNet, logits, type StrokeNetParams, toTensors } from './model.js';
import { createProgress } from './progress.js';
import { STEP_FEATURES } from './strokes.js';

/** The settings of a run; the command-line flags map onto these one to one. */
export interface TrainConfig {
  iterations: number;
  seed: number;
  ways: number;
  shots: number;
  /** Query drawings per character in each training episode. */
  queries: number;
  hiddenSize: number;
  /** Time steps each drawing is resampled to. */
  length: number;
  innerSteps: number;
  innerLr: number;
  metaLr: number;
  metaBatch: number;
  firstOrder: boolean;
  dtype: 'float32' | 'float64';
  /** The background set whose alphabets train; the other set's own alphabets test. */
  trainSet: OmniglotSet;
}

/** Trained weights with the loss and accuracy of every iteration. */
export interface TrainResult {
  params: StrokeNetParams;
  losses: number[];
  accuracies: number[];
}

/** Samples a meta-batch of episodes from `classes` and converts them to tensors. */
export function sampleTasks(
  classes: readonly StrokeClass[],
  config: TrainConfig,
  generator: Generator,
): { tasks: TaskTensors[]; queryLabels: Int32Array[] } {
  const tasks: TaskTensors[] = [];
  const queryLabels: Int32Array[] = [];
  for (let t = 0; t < config.metaBatch; t++) {
    const episode = sampleStrokeEpisode(classes, {
      ways: config.ways,
      shots: config.shots,
      queries: config.queries,
      rng: generator,
    });
    tasks.push({
      support: toTensors(episode.support, config.dtype),
      query: toTensors(episode.query, config.dtype),
    });
    queryLabels.push(episode.query.labels);
  }
  return { tasks, queryLabels };
}

/**
 * Meta-trains the network with MAML: each iteration samples a meta-batch of episodes from the
 * training characters, adapts all weights to each support set, and takes one Adam step on the
 * mean query loss's meta-gradient.
 */
export function metaTrain(config: TrainConfig, classes: readonly StrokeClass[]): TrainResult {
  const generator = new Generator(config.seed);
  const initial = initStrokeNet(config.hiddenSize, config.ways, generator, config.dtype);
  const optimizer = new Adam(initial, { lr: config.metaLr });
  const inner = { steps: config.innerSteps, lr: config.innerLr, firstOrder: config.firstOrder };
  const losses: number[] = [];
  const accuracies: number[] = [];
  const progress = createProgress(config.firstOrder ? 'FOMAML' : 'MAML', config.iterations);
  for (let iteration = 1; iteration <= config.iterations; iteration++) {
    const [loss, accuracy] = tidy(() => {
      const { tasks, queryLabels } = sampleTasks(classes, config, generator);
      const result = metaGradient(optimizer.params, tasks, inner);
      optimizer.step(result.grads);
      const correct = result.queryScores.map((s, t) => accuracyOf(s, queryLabels[t]));
      return [result.loss.item(), correct.reduce((a, b) => a + b) / correct.length];
    });
    losses.push(loss);
    accuracies.push(accuracy);
    progress.update(iteration, loss, accuracy);
  }
  progress.stop();
  const params = optimizer.params;
  dispose(optimizer.state);
  return { params, losses, accuracies };
}

/**
 * Trains the pretrained baseline: the same network with one output per training character, trained
 * with Adam on batches of training drawings as a plain classifier. Evaluation then swaps the
 * head for a new one (see `withNewHead`) and fine-tunes as MAML's weights are fine-tuned.
 */
export function pretrainBaseline(
  config: TrainConfig,
  classes: readonly StrokeClass[],
  iterations: number,
  batchSize: number,
): TrainResult {
  const generator = new Generator(config.seed + 1);
  const initial = initStrokeNet(config.hiddenSize, classes.length, generator, config.dtype);
  const optimizer = new Adam(initial, { lr: config.metaLr });
  const losses: number[] = [];
  const accuracies: number[] = [];
  const progress = createProgress('baseline', iterations);
  const stepSize = config.length * STEP_FEATURES;
  for (let iteration = 1; iteration <= iterations; iteration++) {
    const [loss, accuracy] = tidy(() => {
      const sequences = new Float32Array(batchSize * stepSize);
      const labels = new Int32Array(batchSize);
      for (let b = 0; b < batchSize; b++) {
        const [label] = sampleDistinct(generator, classes.length, 1);
        const pool = classes[label].sequences;
        const [drawing] = sampleDistinct(generator, pool.length, 1);
        sequences.set(pool[drawing], b * stepSize);
        labels[b] = label;
      }
      const { x, y } = toTensors(
        { sequences, labels, count: batchSize, length: config.length, sources: [] },
        config.dtype,
      );
      const lossAndScores = (p: StrokeNetParams): [Tensor, Tensor] => {
        const scores = logits(p, x);
        return [crossEntropy(scores, y), scores.detach()];
      };
      const [[value, scores], grads] = valueAndGrad(lossAndScores, { hasAux: true })(
        optimizer.params,
      ) as [[Tensor, Tensor], StrokeNetParams];
      optimizer.step(grads);
      return [value.item(), accuracyOf(scores, labels)];
    });
    losses.push(loss);
    accuracies.push(accuracy);
    progress.update(iteration, loss, accuracy);
  }
  progress.stop();
  const params = optimizer.params;
  dispose(optimizer.state);
  return { params, losses, accuracies };
}
