#!/usr/bin/env node
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerCpuBackend } from '@metagrad/backend-cpu';
import { dispose, setBackend } from '@metagrad/core';
import { loadWeights, saveWeights } from './checkpoint.js';
import { loadStrokeSplit } from './data.js';
import { evaluationEpisodes } from './evaluate.js';
import { drawEpisode, plotTraining } from './figures.js';
import { type CliOptions, parseCli, USAGE, UsageError } from './options.js';
import { evaluateAll, formatReport } from './report.js';
import { metaTrain, pretrainBaseline } from './train.js';

/** Wall-clock and CPU seconds since the last lap. On a shared machine the two differ. */
interface Lap {
  wall: number;
  cpu: number;
}

function startClock(): { lap(): Lap } {
  let wall = performance.now();
  let cpu = process.cpuUsage();
  return {
    lap() {
      const used = process.cpuUsage(cpu);
      const lap = { wall: (performance.now() - wall) / 1000, cpu: (used.user + used.system) / 1e6 };
      wall = performance.now();
      cpu = process.cpuUsage();
      return lap;
    },
  };
}

function formatLap(lap: Lap): string {
  return `${lap.wall.toFixed(1)} s (${lap.cpu.toFixed(1)} s CPU)`;
}

function describeSplit(split: ReturnType<typeof loadStrokeSplit>): string {
  return `train: ${split.train.length} characters of ${split.trainAlphabets.join(', ')}; test: ${split.test.length} characters of ${split.testAlphabets.join(', ')}`;
}

async function evaluateOnly(options: CliOptions): Promise<void> {
  const { params, length, metadata } = loadWeights(options.weights!);
  // The test alphabets must be the ones these weights never saw, whatever --train-set is.
  const trainSet = metadata.trainSet === 'small2' ? 'small2' : 'small1';
  const split = loadStrokeSplit(trainSet, length);
  console.log(describeSplit(split));
  const dtype = params.head.weight.dtype === 'float64' ? 'float64' : 'float32';
  const reports = evaluateAll({ maml: params }, split.test, { ...options.evaluation, dtype });
  console.log(formatReport(reports));
  dispose(params);
}

async function trainAndEvaluate(options: CliOptions): Promise<void> {
  const { config, evaluation } = options;
  mkdirSync(options.out, { recursive: true });
  const split = loadStrokeSplit(config.trainSet, config.length);
  console.log(describeSplit(split));

  const clock = startClock();
  const maml = metaTrain(config, split.train);
  const training = clock.lap();
  saveWeights(join(options.out, 'weights.safetensors'), maml.params, {
    length: config.length,
    iterations: config.iterations,
    ways: config.ways,
    shots: config.shots,
    firstOrder: config.firstOrder,
    trainSet: config.trainSet,
  });

  const baseline = pretrainBaseline(
    config,
    split.train,
    options.baselineIterations,
    options.baselineBatch,
  );
  const baselineTraining = clock.lap();

  const reports = evaluateAll(
    { maml: maml.params, baseline: options.baselineIterations > 0 ? baseline.params : undefined },
    split.test,
    evaluation,
  );
  const evaluationTime = clock.lap();
  console.log(`\n${formatReport(reports)}`);
  console.log(
    `meta-training: ${config.iterations} iterations in ${formatLap(training)}; baseline: ${formatLap(baselineTraining)}; evaluation: ${formatLap(evaluationTime)}`,
  );

  const [pictured] = evaluationEpisodes(split.test, {
    ...evaluation,
    shots: evaluation.shots[0],
    episodes: 1,
  });
  const pictureAccuracy = drawEpisode(join(options.out, 'episode.svg'), maml.params, pictured, {
    innerLr: evaluation.innerLr,
    steps: evaluation.steps.at(-1)!,
    dtype: config.dtype,
    title: `held-out ${config.ways}-way ${evaluation.shots[0]}-shot episode after ${evaluation.steps.at(-1)} inner steps`,
  });
  await plotTraining(join(options.out, 'training.svg'), [
    { name: config.firstOrder ? 'FOMAML query' : 'MAML query', ...maml },
    { name: 'baseline training batch', ...baseline },
  ]);
  const summary = {
    config,
    evaluation,
    split: { trainAlphabets: split.trainAlphabets, testAlphabets: split.testAlphabets },
    reports,
    seconds: { training, baseline: baselineTraining, evaluation: evaluationTime },
    pictureAccuracy,
    curves: {
      maml: { losses: maml.losses, accuracies: maml.accuracies },
      baseline: { losses: baseline.losses, accuracies: baseline.accuracies },
    },
  };
  writeFileSync(join(options.out, 'results.json'), `${JSON.stringify(summary, null, 2)}\n`);
  console.log(
    `wrote weights.safetensors, results.json, training.svg and episode.svg to ${options.out}`,
  );
  dispose([maml.params, baseline.params]);
}

async function main(argv: string[]): Promise<void> {
  const options = parseCli(argv);
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  registerCpuBackend();
  setBackend(options.backend);
  if (options.evalOnly) await evaluateOnly(options);
  else await trainAndEvaluate(options);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (
    error instanceof UsageError ||
    (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
  ) {
    process.stderr.write(`strokes-lstm: ${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  process.stderr.write(`strokes-lstm: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
