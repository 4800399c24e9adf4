import { Generator, tidy } from '@metagrad/core';
import { adapt } from './maml.js';
import { type MlpParams, replicate, taskLosses } from './model.js';
import { sampleTasks } from './tasks.js';

/** The mean query error over the evaluation tasks after a number of inner steps, with its 95% interval. */
export interface AdaptationResult {
  steps: number;
  mean: number;
  /** Half-width of the normal 95% confidence interval of the mean: 1.96 standard errors. */
  ci95: number;
}

export interface EvaluationOptions {
  tasks: number;
  shots: number;
  /** Query points per task; more than in training, so each task's error is measured well. */
  queries: number;
  innerLr: number;
  steps: readonly number[];
  seed: number;
  dtype: 'float32' | 'float64';
}

function summarize(errors: Float64Array | Float32Array, steps: number): AdaptationResult {
  const n = errors.length;
  let mean = 0;
  for (const e of errors) mean += e;
  mean /= n;
  let variance = 0;
  for (const e of errors) variance += (e - mean) ** 2;
  variance /= Math.max(n - 1, 1);
  return { steps, mean, ci95: (1.96 * Math.sqrt(variance)) / Math.sqrt(n) };
}

/**
 * Fine-tunes `params` on the support set of each held-out task with plain SGD and reports the
 * query error after each step count in `options.steps`. The tasks come from their own seed,
 * so every model is measured on the same tasks.
 */
export function evaluateAdaptation(
  params: MlpParams,
  options: EvaluationOptions,
): AdaptationResult[] {
  const generator = new Generator(options.seed);
  const batch = sampleTasks(
    generator,
    options.tasks,
    options.shots,
    options.queries,
    options.dtype,
  );
  const results: AdaptationResult[] = [];
  const sorted = [...options.steps].sort((a, b) => a - b);
  tidy(() => {
    let fast = replicate(params, options.tasks);
    let done = 0;
    for (const steps of sorted) {
      fast = adapt(fast, batch.xSupport, batch.ySupport, {
        steps: steps - done,
        lr: options.innerLr,
        firstOrder: true,
      });
      done = steps;
      results.push(
        summarize(taskLosses(fast, batch.xQuery, batch.yQuery).dataSync() as Float32Array, steps),
      );
    }
  });
  for (const t of [batch.xSupport, batch.ySupport, batch.xQuery, batch.yQuery]) t.dispose();
  return results;
}
