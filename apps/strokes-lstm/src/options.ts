import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { EvaluationSettings } from './report.js';
import type { TrainConfig } from './train.js';

/** The defaults of a run and of `--long`. A flag given on the command line overrides both. */
const DEFAULTS = {
  iterations: 150,
  length: 24,
  hiddenSize: 24,
  metaBatch: 4,
  evalEpisodes: 50,
  baselineIterations: 150,
};
const LONG = {
  iterations: 1000,
  length: 32,
  hiddenSize: 32,
  metaBatch: 4,
  evalEpisodes: 200,
  baselineIterations: 1000,
};

export const USAGE = `Usage: strokes-lstm [options]

MAML with a bidirectional LSTM on Omniglot pen strokes: each drawing becomes a sequence of
pen offsets (dx, dy, pen lifted), and the LSTM's named weights and a linear head are adapted
per episode. Trains on the alphabets of one small background set, then reports N-way K-shot
query accuracy on the other set's unseen alphabets, next to a pretrained baseline and nearest
neighbour on the sequences. Writes weights, results and plots to --out.

Options:
  --iterations N          meta-training iterations (default ${DEFAULTS.iterations}; --long: ${LONG.iterations})
  --long                  a long run: larger network and sequences, more iterations and episodes
  --seed N                random seed of the run (default 0)
  --ways N                characters per episode (default 5)
  --shots K               support drawings per character in training episodes (default 1)
  --queries N             query drawings per character in training episodes (default 3)
  --length T              time steps each drawing is resampled to (default ${DEFAULTS.length}; --long: ${LONG.length})
  --hidden-size H         LSTM hidden size per direction (default ${DEFAULTS.hiddenSize}; --long: ${LONG.hiddenSize})
  --inner-steps N         inner SGD steps during meta-training (default 1)
  --inner-lr A            inner SGD learning rate (default 0.4)
  --meta-lr B             Adam learning rate of the meta-update (default 0.003)
  --meta-batch N          episodes per meta-update (default ${DEFAULTS.metaBatch}; --long: ${LONG.metaBatch})
  --first-order           first-order MAML: no second-order terms
  --train-set SET         small1 or small2: the background set whose alphabets train (default small1)
  --dtype D               float32 or float64 (default float32)
  --backend NAME          backend to run on (default cpu)
  --out DIR               output folder (default out/strokes-lstm)
  --eval-only             skip training; evaluate the weights given by --weights
  --weights FILE          safetensors weights to evaluate (with --eval-only)
  --eval-episodes N       held-out episodes per shot count (default ${DEFAULTS.evalEpisodes}; --long: ${LONG.evalEpisodes})
  --eval-shots LIST       comma-separated shot counts to evaluate (default 1)
  --eval-queries N        query drawings per character in evaluation episodes (default 5)
  --eval-steps N          inner steps of the second evaluation column (default 3)
  --baseline-iterations N Adam steps of the pretrained baseline, 0 to skip it (default ${DEFAULTS.baselineIterations}; --long: ${LONG.baselineIterations})
  --baseline-batch N      drawings per baseline batch (default 32)
  -h, --help              show this help
`;

/** A command line that cannot run: exits with status 2 and the usage text. */
export class UsageError extends Error {}

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

function integerList(name: string, value: string | undefined, fallback: number[]): number[] {
  if (value === undefined) return fallback;
  const items = value.split(',').map((item) => Number(item.trim()));
  if (items.length === 0 || items.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new UsageError(
      `--${name} must be a comma-separated list of integers >= 1, got '${value}'`,
    );
  }
  return items;
}

/** Everything the command line sets. */
export interface CliOptions {
  config: TrainConfig;
  evaluation: EvaluationSettings;
  help: boolean;
  backend: string;
  out: string;
  evalOnly: boolean;
  weights: string | undefined;
  baselineIterations: number;
  baselineBatch: number;
}

const string = { type: 'string' } as const;
const flag = { type: 'boolean' } as const;

/** The flags `parseArgs` accepts. */
const FLAGS = {
  iterations: string,
  long: flag,
  seed: string,
  ways: string,
  shots: string,
  queries: string,
  length: string,
  'hidden-size': string,
  'inner-steps': string,
  'inner-lr': string,
  'meta-lr': string,
  'meta-batch': string,
  'first-order': flag,
  'train-set': string,
  dtype: string,
  backend: string,
  out: string,
  'eval-only': flag,
  weights: string,
  'eval-episodes': string,
  'eval-shots': string,
  'eval-queries': string,
  'eval-steps': string,
  'baseline-iterations': string,
  'baseline-batch': string,
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseCli(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: FLAGS,
  });

  const dtype = values.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64')
    throw new UsageError(`--dtype must be float32 or float64, got '${dtype}'`);
  const trainSet = values['train-set'] ?? 'small1';
  if (trainSet !== 'small1' && trainSet !== 'small2')
    throw new UsageError(`--train-set must be small1 or small2, got '${trainSet}'`);
  if (values['eval-only'] && !values.weights)
    throw new UsageError('--eval-only needs --weights FILE');
  if (values.weights && !values['eval-only'])
    throw new UsageError('--weights is only read with --eval-only');

  const preset = values.long ? LONG : DEFAULTS;
  const ways = integer('ways', values.ways, 5, 2);
  const innerSteps = integer('inner-steps', values['inner-steps'], 1, 1);
  const innerLr = positive('inner-lr', values['inner-lr'], 0.4);
  const config: TrainConfig = {
    iterations: integer('iterations', values.iterations, preset.iterations, 1),
    seed: integer('seed', values.seed, 0),
    ways,
    shots: integer('shots', values.shots, 1, 1),
    queries: integer('queries', values.queries, 3, 1),
    hiddenSize: integer('hidden-size', values['hidden-size'], preset.hiddenSize, 1),
    length: integer('length', values.length, preset.length, 2),
    innerSteps,
    innerLr,
    metaLr: positive('meta-lr', values['meta-lr'], 0.003),
    metaBatch: integer('meta-batch', values['meta-batch'], preset.metaBatch, 1),
    firstOrder: values['first-order'] ?? false,
    dtype,
    trainSet,
  };

  const evalSteps = integer('eval-steps', values['eval-steps'], 3, 1);
  const evaluation: EvaluationSettings = {
    episodes: integer('eval-episodes', values['eval-episodes'], preset.evalEpisodes, 2),
    ways,
    shots: integerList('eval-shots', values['eval-shots'], [1]),
    queries: integer('eval-queries', values['eval-queries'], 5, 1),
    innerLr,
    steps: [...new Set([innerSteps, evalSteps])].sort((a, b) => a - b),
    seed: 20_000,
    dtype,
  };

  return {
    config,
    evaluation,
    help: values.help ?? false,
    backend: values.backend ?? 'cpu',
    out: values.out ?? join('out', 'strokes-lstm'),
    evalOnly: values['eval-only'] ?? false,
    weights: values.weights,
    baselineIterations: integer(
      'baseline-iterations',
      values['baseline-iterations'],
      preset.baselineIterations,
      0,
    ),
    baselineBatch: integer('baseline-batch', values['baseline-batch'], 32, 1),
  };
}
