import { Generator, tidy, zeros } from '@metagrad/core';
import { type StrokeClass, type StrokeEpisode, sampleStrokeEpisode } from './data.js';
import { adapt } from './maml.js';
import { accuracyOf, logits, type StrokeNetParams, toTensors } from './model.js';

/** The mean query accuracy over the evaluation episodes, with its 95% interval. */
export interface AccuracyResult {
  /** Inner SGD steps taken on the support set; null for a method without fine-tuning. */
  steps: number | null;
  mean: number;
  /** Half-width of the normal 95% confidence interval of the mean: 1.96 standard errors. */
  ci95: number;
}

/** Options of the evaluation. The episodes depend on `seed` alone, so every method gets the same ones. */
export interface EvaluationOptions {
  episodes: number;
  ways: number;
  shots: number;
  queries: number;
  innerLr: number;
  /** Step counts after which to measure the query accuracy. */
  steps: readonly number[];
  seed: number;
  dtype: 'float32' | 'float64';
}

function summarize(accuracies: number[], steps: number | null): AccuracyResult {
  const n = accuracies.length;
  const mean = accuracies.reduce((a, b) => a + b, 0) / n;
  const variance = accuracies.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(n - 1, 1);
  return { steps, mean, ci95: (1.96 * Math.sqrt(variance)) / Math.sqrt(n) };
}

/** Samples the evaluation episodes from their own seed. */
export function evaluationEpisodes(
  classes: readonly StrokeClass[],
  options: EvaluationOptions,
): StrokeEpisode[] {
  const generator = new Generator(options.seed);
  return Array.from({ length: options.episodes }, () =>
    sampleStrokeEpisode(classes, {
      ways: options.ways,
      shots: options.shots,
      queries: options.queries,
      rng: generator,
    }),
  );
}

/**
 * Fine-tunes `params` on each episode's support set with plain SGD on all weights and reports
 * the query accuracy after each step count in `options.steps`.
 */
export function evaluateAdaptation(
  params: StrokeNetParams,
  episodes: readonly StrokeEpisode[],
  options: EvaluationOptions,
  onEpisode: () => void = () => {},
): AccuracyResult[] {
  const sorted = [...new Set(options.steps)].sort((a, b) => a - b);
  const perSteps = sorted.map(() => [] as number[]);
  for (const episode of episodes) {
    tidy(() => {
      const support = toTensors(episode.support, options.dtype);
      const query = toTensors(episode.query, options.dtype);
      let fast = params;
      let done = 0;
      sorted.forEach((steps, k) => {
        fast = adapt(fast, support, { steps: steps - done, lr: options.innerLr, firstOrder: true });
        done = steps;
        perSteps[k].push(accuracyOf(logits(fast, query.x), episode.query.labels));
      });
    });
    onEpisode();
  }
  return sorted.map((steps, k) => summarize(perSteps[k], steps));
}

/**
 * Returns the pretrained network with its head swapped for a zero N-way head, so that it starts from
 * uniform predictions and fine-tuning builds the head from the support set.
 */
export function withNewHead(params: StrokeNetParams, ways: number): StrokeNetParams {
  const [, features] = params.head.weight.shape;
  const dtype = params.head.weight.dtype;
  return {
    lstm: params.lstm,
    head: { weight: zeros([ways, features], { dtype }), bias: zeros([ways], { dtype }) },
  };
}

/**
 * Nearest neighbour on the preprocessed sequences: each query takes the label of the support
 * sequence at the smallest Euclidean distance. No training, and no fine-tuning.
 */
export function evaluateNearestNeighbour(episodes: readonly StrokeEpisode[]): AccuracyResult {
  const accuracies = episodes.map(({ support, query }) => {
    const size = support.sequences.length / support.count;
    let correct = 0;
    for (let q = 0; q < query.count; q++) {
      let best = Number.POSITIVE_INFINITY;
      let label = -1;
      for (let s = 0; s < support.count; s++) {
        let distance = 0;
        for (let i = 0; i < size; i++) {
          distance += (query.sequences[q * size + i] - support.sequences[s * size + i]) ** 2;
        }
        if (distance < best) {
          best = distance;
          label = support.labels[s];
        }
      }
      if (label === query.labels[q]) correct += 1;
    }
    return correct / query.count;
  });
  return summarize(accuracies, null);
}
