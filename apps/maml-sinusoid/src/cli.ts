#!/usr/bin/env node
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { registerCpuBackend } from '@metagrad/backend-cpu';
import { dispose, setBackend } from '@metagrad/core';
import { loadWeights, saveWeights } from './checkpoint.js';
import { type AdaptationResult, evaluateAdaptation } from './evaluate.js';
import { plotLoss, plotTasks } from './figures.js';
import { metaTrain, pretrainBaseline, type TrainConfig } from './train.js';

const USAGE = `Usage: maml-sinusoid [options]

MAML (Finn et al. 2017) on sinusoid regression: meta-trains an MLP 1-40-40-1, then reports
the query error on 600 held-out tasks before and after adaptation, next to a pretrained
baseline. Writes weights, a checkpoint, results and plots to --out.

Options:
  --iterations N          meta-training iterations (default 2000)
  --paper                 the paper's length: 70000 iterations
  --seed N                random seed of the run (default 0)
  --shots K               support (and query) points per task (default 10)
  --inner-steps N         inner SGD steps during meta-training (default 1)
  --inner-lr A            inner SGD learning rate (default 0.01)
  --meta-lr B             Adam learning rate of the meta-update (default 0.001)
  --meta-batch N          tasks per meta-update (default 25)
  --first-order           first-order MAML (FOMAML): no second-order terms
  --dtype D               float32 or float64 (default float32)
  --backend NAME          backend to run on (default cpu)
  --out DIR               output folder (default out/maml-sinusoid)
  --resume                continue from DIR/checkpoint.safetensors
  --checkpoint-every N    iterations between checkpoints (default 500)
  --eval-only             skip training; evaluate the weights given by --weights
  --weights FILE          safetensors weights to evaluate (with --eval-only)
  --eval-tasks N          held-out tasks to evaluate on (default 600)
  --baseline-iterations N pretraining iterations of the baseline (default: --iterations)
  -h, --help              show this help
`;

class UsageError extends Error {}

function integer(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`--${name} must be an integer >= ${min}, got '${value}'`);
  return n;
}

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--${name} must be a positive number, got '${value}'`);
  return n;
}

function parse(argv: string[]) {
  const string = { type: 'string' } as const;
  const flag = { type: 'boolean' } as const;
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      iterations: string,
      paper: flag,
      seed: string,
      shots: string,
      'inner-steps': string,
      'inner-lr': string,
      'meta-lr': string,
      'meta-batch': string,
      'first-order': flag,
      dtype: string,
      backend: string,
      out: string,
      resume: flag,
      'checkpoint-every': string,
      'eval-only': flag,
      weights: string,
      'eval-tasks': string,
      'baseline-iterations': string,
      help: { type: 'boolean', short: 'h' },
    },
  });
  const dtype = values.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64')
    throw new UsageError(`--dtype must be float32 or float64, got '${dtype}'`);
  if (values.paper && values.iterations !== undefined)
    throw new UsageError('--paper sets the iterations; do not combine it with --iterations');
  if (values['eval-only'] && !values.weights)
    throw new UsageError('--eval-only needs --weights FILE');
  if (values.weights && !values['eval-only'])
    throw new UsageError('--weights is only read with --eval-only');
  const iterations = values.paper ? 70000 : integer('iterations', values.iterations, 2000, 1);
  const config: TrainConfig = {
    iterations,
    seed: integer('seed', values.seed, 0),
    shots: integer('shots', values.shots, 10, 1),
    innerSteps: integer('inner-steps', values['inner-steps'], 1, 1),
    innerLr: positive('inner-lr', values['inner-lr'], 0.01),
    metaLr: positive('meta-lr', values['meta-lr'], 0.001),
    metaBatch: integer('meta-batch', values['meta-batch'], 25, 1),
    firstOrder: values['first-order'] ?? false,
    dtype,
    checkpointEvery: integer('checkpoint-every', values['checkpoint-every'], 500, 1),
  };
  return {
    config,
    help: values.help ?? false,
    backend: values.backend ?? 'cpu',
    out: values.out ?? join('out', 'maml-sinusoid'),
    resume: values.resume ?? false,
    evalOnly: values['eval-only'] ?? false,
    weights: values.weights,
    evalTasks: integer('eval-tasks', values['eval-tasks'], 600, 2),
    baselineIterations: integer(
      'baseline-iterations',
      values['baseline-iterations'],
      iterations,
      0,
    ),
  };
}

function formatRow(name: string, results: AdaptationResult[]): string {
  return `${name.padEnd(12)}${results.map((r) => `${r.mean.toFixed(3)} ± ${r.ci95.toFixed(3)}`.padEnd(18)).join('')}`;
}

async function main(argv: string[]): Promise<void> {
  const options = parse(argv);
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  registerCpuBackend();
  setBackend(options.backend);
  mkdirSync(options.out, { recursive: true });
  const { config } = options;
  const evaluation = {
    tasks: options.evalTasks,
    shots: config.shots,
    queries: 100,
    innerLr: config.innerLr,
    steps: [0, 1, 10],
    seed: 20170,
    dtype: config.dtype,
  };
  const header = `${'model'.padEnd(12)}${evaluation.steps.map((s) => `${s} step${s === 1 ? '' : 's'}`.padEnd(18)).join('')}`;
  const title = `query MSE on ${evaluation.tasks} held-out tasks, K=${config.shots}, inner lr ${config.innerLr} (mean ± 95% CI)`;

  if (options.evalOnly) {
    const params = loadWeights(options.weights!);
    const results = evaluateAdaptation(params, evaluation);
    console.log(`${title}\n${header}\n${formatRow('loaded', results)}`);
    return;
  }

  const started = performance.now();
  const { params, losses } = metaTrain(
    config,
    join(options.out, 'checkpoint.safetensors'),
    options.resume,
  );
  const trainSeconds = (performance.now() - started) / 1000;
  saveWeights(join(options.out, 'weights.safetensors'), params, {
    iterations: String(config.iterations),
  });
  const baseline = pretrainBaseline(config, options.baselineIterations);
  const mamlResults = evaluateAdaptation(params, evaluation);
  const baselineResults = evaluateAdaptation(baseline.params, evaluation);
  console.log(
    `\n${title}\n${header}\n${formatRow(config.firstOrder ? 'FOMAML' : 'MAML', mamlResults)}\n${formatRow('pretrained', baselineResults)}`,
  );
  console.log(`meta-training: ${config.iterations} iterations in ${trainSeconds.toFixed(1)} s`);

  const summary = {
    config,
    evaluation,
    maml: mamlResults,
    baseline: baselineResults,
    trainSeconds,
    finalLoss: losses.at(-1),
  };
  writeFileSync(join(options.out, 'results.json'), `${JSON.stringify(summary, null, 2)}\n`);
  await plotLoss(join(options.out, 'loss.svg'), losses, baseline.losses);
  await plotTasks(join(options.out, 'tasks.svg'), params, baseline.params, config);
  console.log(`wrote weights, checkpoint, results.json, loss.svg and tasks.svg to ${options.out}`);
  dispose([params, baseline.params]);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (
    error instanceof UsageError ||
    (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
  ) {
    process.stderr.write(`maml-sinusoid: ${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  process.stderr.write(`maml-sinusoid: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
