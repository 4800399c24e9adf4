import { fromTypedArray, Generator, type Tensor } from '@metagrad/core';
import { type ImageClass, type LakeRun, loadLakeRuns } from '@metagrad/datasets';
import { type Classifier, predict, type TestSettings } from './classify.js';
import { sampleTaskBatch } from './data.js';
import type { TaskBatch } from './maml.js';
import { type ConvNetParams, IMAGE_SIZE, type NormMode } from './model.js';
import { type Estimate, meanInterval, proportion } from './stats.js';

/** The result of Lake's 20-way one-shot protocol. */
export interface LakeResult {
  /** Error rate of each run: the fraction of its 20 test images matched wrongly. */
  runErrors: number[];
  /** correct[run][test image]: whether the prediction matched the answer key. */
  correct: boolean[][];
  /** Error rate over all 400 trials, with its 95% interval. */
  error: Estimate;
}

/** Stacks images into [tasks, n, 1, 28, 28] and labels into [tasks, n]. */
function stack(images: Float32Array[][], labels: number[][]): [Tensor, Tensor] {
  const tasks = images.length;
  const n = images[0].length;
  const pixels = IMAGE_SIZE * IMAGE_SIZE;
  const data = new Float32Array(tasks * n * pixels);
  images.flat().forEach((image, i) => data.set(image, i * pixels));
  const imageTensor = fromTypedArray(data, [tasks, n, 1, IMAGE_SIZE, IMAGE_SIZE], 'float32');
  const labelTensor = fromTypedArray(Int32Array.from(labels.flat()), [tasks, n], 'int32');
  return [imageTensor, labelTensor];
}

function batchOf(
  supportImages: Float32Array[][],
  supportLabels: number[][],
  queryImages: Float32Array[][],
  queryLabels: number[][],
): TaskBatch {
  const [support, supportLabelTensor] = stack(supportImages, supportLabels);
  const [query, queryLabelTensor] = stack(queryImages, queryLabels);
  return { support, supportLabels: supportLabelTensor, query, queryLabels: queryLabelTensor };
}

function disposeBatch(batch: TaskBatch): void {
  for (const t of Object.values(batch)) t.dispose();
}

/**
 * Lake's 20-way one-shot classification: each run is one task whose support set is the 20
 * training images (label i for `train[i]`) and whose queries are the 20 test images, scored
 * against the run's answer key.
 */
export function evaluateLakeRuns(
  params: ConvNetParams,
  classifier: Classifier,
  mode: NormMode,
  settings: TestSettings,
  runs: LakeRun[] = loadLakeRuns({ size: IMAGE_SIZE }),
): LakeResult {
  const identity = runs.map((run) => run.train.map((_, i) => i));
  const batch = batchOf(
    runs.map((run) => run.train),
    identity,
    runs.map((run) => run.test),
    runs.map((run) => Array.from(run.answers)),
  );
  const predictions = predict(params, batch, classifier, mode, settings);
  disposeBatch(batch);
  const correct = runs.map((run, r) =>
    Array.from(run.answers, (answer, i) => predictions[r * run.test.length + i] === answer),
  );
  const runErrors = correct.map((row) => row.filter((c) => !c).length / row.length);
  const wrong = correct.flat().filter((c) => !c).length;
  return { runErrors, correct, error: proportion(wrong, correct.flat().length) };
}

/** The result of 5-way one-shot episodes drawn within each of Lake's runs. */
export interface RunEpisodesResult {
  /** Mean accuracy of each run's episodes. */
  runAccuracies: number[];
  /** Mean over the runs, with a 95% interval that treats the 20 runs as the samples. */
  accuracy: Estimate;
}

/**
 * N-way one-shot episodes inside Lake's runs: an episode picks `ways` of a run's 20
 * characters, takes their training images as the support set and the test images of the
 * same characters as the queries (one per class). Images carry no identity across runs, so
 * episodes never mix runs. Episodes of one run share images, which is why the interval is
 * computed over run means rather than over episodes.
 */
export function evaluateRunEpisodes(
  params: ConvNetParams,
  classifier: Classifier,
  mode: NormMode,
  settings: TestSettings,
  options: { ways: number; episodesPerRun: number; seed: number },
  runs: LakeRun[] = loadLakeRuns({ size: IMAGE_SIZE }),
): RunEpisodesResult {
  const generator = new Generator(options.seed);
  const supportImages: Float32Array[][] = [];
  const queryImages: Float32Array[][] = [];
  const supportLabels: number[][] = [];
  const queryLabels: number[][] = [];
  for (const run of runs) {
    for (let e = 0; e < options.episodesPerRun; e++) {
      const characters = generator.permutation(run.train.length).slice(0, options.ways);
      supportImages.push(characters.map((c) => run.train[c]));
      supportLabels.push(characters.map((_, label) => label));
      const queries = characters.map((c) => run.answers.indexOf(c));
      queryImages.push(queries.map((q) => run.test[q]));
      queryLabels.push(characters.map((_, label) => label));
    }
  }
  const batch = batchOf(supportImages, supportLabels, queryImages, queryLabels);
  const predictions = predict(params, batch, classifier, mode, settings);
  disposeBatch(batch);
  const labels = queryLabels.flat();
  const perRun = options.episodesPerRun * options.ways;
  const runAccuracies = runs.map((_, r) => {
    let right = 0;
    for (let i = r * perRun; i < (r + 1) * perRun; i++) if (predictions[i] === labels[i]) right++;
    return right / perRun;
  });
  return { runAccuracies, accuracy: meanInterval(runAccuracies) };
}

/** An N-way K-shot test on held-out classes. */
export interface EpisodeTest {
  ways: number;
  shots: number;
  queries: number;
  episodes: number;
  seed: number;
}

/**
 * Measures the mean query accuracy over `episodes` N-way K-shot episodes drawn from `classes` without
 * augmentation, with the 95% interval over episodes. The episodes come from their own seed, so
 * every model and classifier is tested on the same ones.
 */
export function evaluateEpisodes(
  params: ConvNetParams,
  classes: readonly ImageClass[],
  test: EpisodeTest,
  classifier: Classifier,
  mode: NormMode,
  settings: TestSettings,
): Estimate {
  const generator = new Generator(test.seed);
  const accuracies: number[] = [];
  for (let start = 0; start < test.episodes; start += settings.chunk) {
    const tasks = Math.min(settings.chunk, test.episodes - start);
    const sampling = { tasks, ways: test.ways, shots: test.shots, queries: test.queries };
    const batch = sampleTaskBatch(classes, { ...sampling, augment: false }, generator);
    const predictions = predict(params, batch, classifier, mode, settings);
    const labels = batch.queryLabels.dataSync();
    disposeBatch(batch);
    const perTask = test.ways * test.queries;
    for (let t = 0; t < tasks; t++) {
      let right = 0;
      for (let i = t * perTask; i < (t + 1) * perTask; i++)
        if (predictions[i] === labels[i]) right++;
      accuracies.push(right / perTask);
    }
  }
  return meanInterval(accuracies);
}
