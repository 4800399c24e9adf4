import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerCpuBackend } from '@metagrad/backend-cpu';
import { dispose, setBackend } from '@metagrad/core';
import { loadWeights, type SavedWeights, saveWeights } from './checkpoint.js';
import type { CliOptions } from './cli.js';
import { drawEpisode, plotTraining } from './figures.js';
import { evaluateAll, formatRow, pictureOfRun } from './report.js';
import { metaTrain, type TrainResult } from './train.js';

/**
 * Meta-trains (or loads) a model, evaluates it on every test that applies, and writes the
 * weights, results and figures to the output folder.
 */
export async function runPipeline(options: CliOptions): Promise<void> {
  registerCpuBackend();
  setBackend('cpu');
  mkdirSync(options.out, { recursive: true });
  const { config } = options;

  let training: TrainResult | undefined;
  let weights: SavedWeights;
  if (options.evalOnly) {
    weights = loadWeights(options.weights!);
    if (weights.trainSet === null && options.trainSetGiven) weights.trainSet = config.trainSet;
  } else {
    const model = {
      ways: config.ways,
      filters: config.filters,
      maxPool: config.maxPool,
      zeroHead: config.zeroHead,
    };
    const path = join(options.out, 'weights.safetensors');
    const save = (params: SavedWeights['params']) =>
      saveWeights(path, { params, config: model, trainSet: config.trainSet });
    training = metaTrain(config, { save });
    weights = { params: training.params, config: model, trainSet: config.trainSet };
    save(weights.params);
    console.log(
      `meta-training: ${config.iterations} iterations in ${training.seconds.toFixed(1)} s (${training.cpuSeconds.toFixed(1)} s of CPU time)`,
    );
    await plotTraining(join(options.out, 'training.svg'), training.losses, training.accuracies);
  }
  const { params, config: model } = weights;
  // The alphabets only in small2 are held out only from weights trained on small1.
  const heldOut = weights.trainSet === 'small1';

  const settings = {
    architecture: { maxPool: model.maxPool, zeroHead: model.zeroHead },
    steps: options.testSteps,
    lr: config.innerLr,
    chunk: options.chunk,
  };
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  console.log(
    `\nevaluation (${options.testSteps} test steps at inner lr ${config.innerLr}; mean ± 95% interval)`,
  );
  const rows = evaluateAll(
    params,
    model,
    settings,
    {
      runEpisodes: options.runEpisodes,
      heldOutEpisodes: heldOut ? options.evalEpisodes : 0,
      seed: 2015,
    },
    (row) => console.log(formatRow(row)),
  );
  const evalSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const evalCpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(
    `evaluation took ${evalSeconds.toFixed(1)} s (${evalCpuSeconds.toFixed(1)} s of CPU time)`,
  );
  drawEpisode(join(options.out, 'episode.svg'), pictureOfRun(params, model, settings));

  const summary = {
    config: options.evalOnly ? undefined : config,
    weights: options.evalOnly ? options.weights : undefined,
    model,
    trainSet: weights.trainSet,
    testSteps: options.testSteps,
    trainSeconds: training?.seconds,
    trainCpuSeconds: training?.cpuSeconds,
    evalSeconds,
    evalCpuSeconds,
    finalLoss: training?.losses.at(-1),
    results: rows,
  };
  writeFileSync(join(options.out, 'results.json'), `${JSON.stringify(summary, null, 2)}\n`);
  console.log(
    `wrote ${options.evalOnly ? '' : 'weights.safetensors, training.svg, '}results.json and episode.svg to ${options.out}`,
  );
  dispose(params);
}
