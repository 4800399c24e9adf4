#!/usr/bin/env node
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { TrainConfig } from './train.js';

/**
 * `--paper`: the length and meta-batch of the 5-way 1-shot Omniglot command in MAML's
 * reference code. `--long`: a run of under 30 minutes on 2 cores.
 * NOTE: `--long` is sized from 1.3 to 1.6 second-order meta-iterations of 4 tasks per second,
 * measured on the CPU backend on a 2-core AMD EPYC; a faster or slower machine changes it.
 */
const PAPER = { iterations: 40000, metaBatch: 32 };
const LONG = { iterations: 2000, metaBatch: 4 };

const USAGE = `Usage: omniglot-maml [options]

MAML (Finn et al. 2017) on Omniglot: meta-trains the 4-block convolutional classifier on the
small background sets, then reports Lake's 20-way one-shot error on the 20 evaluation runs,
5-way one-shot accuracy inside those runs, and (with --train-set small1) N-way K-shot
accuracy on the alphabets found only in small2. Writes weights, results and figures to --out.

Options:
  --iterations N          meta-training iterations (default 200)
  --long                  the 30-minute run: ${LONG.iterations} iterations, meta-batch ${LONG.metaBatch}
  --paper                 MAML's reference length: ${PAPER.iterations} iterations, meta-batch ${PAPER.metaBatch}
                          (days of CPU time on the CPU backend)
  --seed N                random seed of the run (default 0)
  --ways N                classes per task (default 5)
  --shots K               support images per class (default 1)
  --queries Q             query images per class in training tasks (default 1; MAML's
                          reference code uses K for K-shot Omniglot)
  --inner-steps N         inner SGD steps during meta-training (default 1)
  --test-steps N          inner SGD steps at test time (default 3)
  --inner-lr A            inner SGD learning rate (default 0.4)
  --meta-lr B             Adam learning rate of the meta-update (default 0.001)
  --meta-batch N          tasks per meta-update (default 4; 32 in the paper)
  --first-order           first-order MAML (FOMAML): no second-order terms
  --max-pool              stride-1 convolutions with 2x2 max pooling instead of stride 2
  --learned-head          meta-learn the head's initial weights, as in the MAML paper
                          (default: every task's head starts at zero, so a 5-way model
                          also adapts by MAML to Lake's 20-way runs)
  --filters N             filters per convolution (default 64)
  --train-set SET         both (default: all background characters) or small1 (leaves the
                          alphabets only in small2 for the held-out tests); with
                          --eval-only, states it for a weights file that does not
  --no-augment            no random affine distortion of training images
  --run-episodes N        5-way episodes per Lake run at test time (default 5)
  --eval-episodes N       episodes per held-out N-way K-shot test (default 100)
  --chunk N               tasks per forward pass at test time (default 20)
  --out DIR               output folder (default out/omniglot-maml)
  --eval-only             skip training; evaluate the weights given by --weights
  --weights FILE          safetensors weights to evaluate (with --eval-only)
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
      long: flag,
      seed: string,
      ways: string,
      shots: string,
      queries: string,
      'inner-steps': string,
      'test-steps': string,
      'inner-lr': string,
      'meta-lr': string,
      'meta-batch': string,
      'first-order': flag,
      'max-pool': flag,
      'learned-head': flag,
      filters: string,
      'train-set': string,
      'no-augment': flag,
      'run-episodes': string,
      'eval-episodes': string,
      chunk: string,
      out: string,
      'eval-only': flag,
      weights: string,
      help: { type: 'boolean', short: 'h' },
    },
  });
  const trainSetGiven = values['train-set'] !== undefined;
  const trainSet = values['train-set'] ?? 'both';
  if (trainSet !== 'both' && trainSet !== 'small1')
    throw new UsageError(`--train-set must be both or small1, got '${trainSet}'`);
  if (values.paper && values.long) throw new UsageError('use --paper or --long, not both');
  let preset: { iterations: number; metaBatch: number } | undefined;
  let presetName = '';
  if (values.paper) {
    preset = PAPER;
    presetName = '--paper';
  } else if (values.long) {
    preset = LONG;
    presetName = '--long';
  }

  if (preset && values.iterations !== undefined)
    throw new UsageError(`${presetName} sets the iterations; do not combine it with --iterations`);
  if (preset && values['meta-batch'] !== undefined)
    throw new UsageError(`${presetName} sets the meta-batch; do not combine it with --meta-batch`);
  if (values['eval-only'] && !values.weights)
    throw new UsageError('--eval-only needs --weights FILE');
  if (values.weights && !values['eval-only'])
    throw new UsageError('--weights is only read with --eval-only');
  const ways = integer('ways', values.ways, 5, 2);
  const shots = integer('shots', values.shots, 1, 1);
  const queries = integer('queries', values.queries, 1, 1);
  // Each Omniglot character has 20 drawings, shared by the support and query sets.
  if (shots + queries > 20)
    throw new UsageError(`--shots + --queries must be at most 20 drawings, got ${shots + queries}`);
  const config: TrainConfig = {
    iterations: preset?.iterations ?? integer('iterations', values.iterations, 200, 1),
    seed: integer('seed', values.seed, 0),
    ways,
    shots,
    queries,
    innerSteps: integer('inner-steps', values['inner-steps'], 1, 1),
    innerLr: positive('inner-lr', values['inner-lr'], 0.4),
    metaLr: positive('meta-lr', values['meta-lr'], 0.001),
    metaBatch: preset?.metaBatch ?? integer('meta-batch', values['meta-batch'], 4, 1),
    firstOrder: values['first-order'] ?? false,
    maxPool: values['max-pool'] ?? false,
    zeroHead: !values['learned-head'],
    filters: integer('filters', values.filters, 64, 1),
    trainSet,
    augment: !values['no-augment'],
  };
  return {
    config,
    help: values.help ?? false,
    out: values.out ?? join('out', 'omniglot-maml'),
    evalOnly: values['eval-only'] ?? false,
    weights: values.weights,
    trainSetGiven,
    testSteps: integer('test-steps', values['test-steps'], 3, 0),
    runEpisodes: integer('run-episodes', values['run-episodes'], 5, 1),
    evalEpisodes: integer('eval-episodes', values['eval-episodes'], 100, 2),
    chunk: integer('chunk', values.chunk, 20, 1),
  };
}

/** Everything the run needs, parsed and checked from the command line. */
export type CliOptions = ReturnType<typeof parse>;

async function main(argv: string[]): Promise<void> {
  const options = parse(argv);
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  // Loaded only now, so that usage errors come back without loading the data and plotting code.
  const { runPipeline } = await import('./pipeline.js');
  await runPipeline(options);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (
    error instanceof UsageError ||
    (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
  ) {
    process.stderr.write(`omniglot-maml: ${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  process.stderr.write(`omniglot-maml: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
