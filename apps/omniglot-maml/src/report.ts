import { fromTypedArray } from '@metagrad/core';
import { loadLakeRuns } from '@metagrad/datasets';
import { type Classifier, predict, type TestSettings } from './classify.js';
import { heldOutCharacters } from './data.js';
import {
  evaluateEpisodes,
  evaluateLakeRuns,
  evaluateRunEpisodes,
  type LakeResult,
} from './evaluate.js';
import type { EpisodePicture } from './figures.js';
import { type ConvNetConfig, type ConvNetParams, IMAGE_SIZE, type NormMode } from './model.js';
import { type Estimate, percent } from './stats.js';

/** One measured number: which test, which classifier, which batch-norm statistics. */
export interface ResultRow {
  test: string;
  classifier: Classifier;
  /** Batch-norm statistics at test time; null for the pixel baseline, which has no network. */
  norm: NormMode | null;
  /** Accuracy, or error rate for Lake's runs (see `metric`). */
  metric: 'error' | 'accuracy';
  estimate: Estimate;
  /** Lake's runs only: the error of each run. */
  runErrors?: number[];
}

/** The tests to run after training. */
export interface ReportOptions {
  /** Episodes per Lake run for the 5-way one-shot test inside the runs. */
  runEpisodes: number;
  /** Episodes per N-way K-shot test on the held-out alphabets; 0 skips those tests. */
  heldOutEpisodes: number;
  seed: number;
}

/**
 * Lists the classifiers that apply to an N-way task: MAML only when the head has N classes or
 * starts at zero with one row per class.
 */
function classifiersFor(ways: number, config: ConvNetConfig): [Classifier, NormMode | null][] {
  const rows: [Classifier, NormMode | null][] = [];
  if (config.zeroHead || ways === config.ways) rows.push(['maml', 'batch'], ['maml', 'instance']);
  rows.push(['feature-nn', 'batch'], ['feature-nn', 'instance'], ['pixel-nn', null]);
  return rows;
}

/**
 * Runs every evaluation that applies to the model: Lake's 20 runs, 5-way one-shot episodes
 * inside the runs, and (when `heldOutEpisodes` > 0) N-way K-shot episodes on the alphabets
 * found only in the second small background set.
 */
export function evaluateAll(
  params: ConvNetParams,
  config: ConvNetConfig,
  settings: TestSettings,
  options: ReportOptions,
  log: (row: ResultRow) => void = () => {},
): ResultRow[] {
  const rows: ResultRow[] = [];
  const add = (row: ResultRow) => {
    rows.push(row);
    log(row);
  };
  const runs = loadLakeRuns({ size: IMAGE_SIZE });
  for (const [classifier, norm] of classifiersFor(20, config)) {
    const result: LakeResult = evaluateLakeRuns(
      params,
      classifier,
      norm ?? 'batch',
      settings,
      runs,
    );
    add({
      test: "Lake's 20 runs, 20-way 1-shot",
      classifier,
      norm,
      metric: 'error',
      estimate: result.error,
      runErrors: result.runErrors,
    });
  }
  for (const [classifier, norm] of classifiersFor(5, config)) {
    const result = evaluateRunEpisodes(
      params,
      classifier,
      norm ?? 'batch',
      settings,
      { ways: 5, episodesPerRun: options.runEpisodes, seed: options.seed },
      runs,
    );
    add({
      test: "5-way 1-shot inside Lake's runs",
      classifier,
      norm,
      metric: 'accuracy',
      estimate: result.accuracy,
    });
  }
  if (options.heldOutEpisodes > 0) {
    const classes = heldOutCharacters();
    for (const [ways, shots] of [
      [5, 1],
      [5, 5],
      [20, 1],
      [20, 5],
    ]) {
      const test = {
        ways,
        shots,
        queries: 15,
        episodes: options.heldOutEpisodes,
        seed: options.seed,
      };
      for (const [classifier, norm] of classifiersFor(ways, config)) {
        add({
          test: `held-out alphabets, ${ways}-way ${shots}-shot`,
          classifier,
          norm,
          metric: 'accuracy',
          estimate: evaluateEpisodes(params, classes, test, classifier, norm ?? 'batch', settings),
        });
      }
    }
  }
  return rows;
}

/** Formats one line of the results table. */
export function formatRow(row: ResultRow): string {
  const method = row.norm ? `${row.classifier}, ${row.norm} statistics` : row.classifier;
  return `${row.test.padEnd(36)}${method.padEnd(32)}${row.metric} ${percent(row.estimate)}`;
}

/**
 * Classifies the first episode of Lake's run 1 for a picture: the first `ways` characters (all 20 for a
 * 20-way model), their training images as support and their test images as queries,
 * classified by MAML with query-batch statistics.
 */
export function pictureOfRun(
  params: ConvNetParams,
  config: ConvNetConfig,
  settings: TestSettings,
): EpisodePicture {
  const run = loadLakeRuns({ size: IMAGE_SIZE })[0];
  const ways = Math.min(config.ways, run.train.length);
  const characters = Array.from({ length: ways }, (_, i) => i);
  const queryIndices = characters.map((c) => run.answers.indexOf(c));
  const stackImages = (images: Float32Array[]) => {
    const data = new Float32Array(images.length * IMAGE_SIZE * IMAGE_SIZE);
    images.forEach((image, i) => data.set(image, i * image.length));
    return fromTypedArray(data, [1, images.length, 1, IMAGE_SIZE, IMAGE_SIZE], 'float32');
  };
  const support = characters.map((c) => run.train[c]);
  const query = queryIndices.map((q) => run.test[q]);
  const batch = {
    support: stackImages(support),
    supportLabels: fromTypedArray(Int32Array.from(characters), [1, ways], 'int32'),
    query: stackImages(query),
    queryLabels: fromTypedArray(Int32Array.from(characters), [1, ways], 'int32'),
  };
  const predictions = Array.from(predict(params, batch, 'maml', 'batch', settings));
  for (const t of Object.values(batch)) t.dispose();
  return {
    title: `${run.name}: ${ways}-way 1-shot, MAML after ${settings.steps} steps (query-batch statistics)`,
    support,
    supportLabels: characters,
    query,
    queryLabels: characters,
    predictions,
  };
}
