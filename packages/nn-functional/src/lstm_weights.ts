import {
  BackendError,
  DTypeError,
  formatShape,
  Generator,
  getGlobalGenerator,
  InvalidArgumentError,
  ShapeError,
  Tensor,
  uniform,
} from '@metagrad/core';

/** Options of {@link lstm}, with `torch.nn.LSTM`'s meaning and defaults. */
export interface LstmOptions {
  /** Features per time step; inferred from `weight_ih_l0` when left out, checked when given. */
  inputSize?: number;
  /** Features of the cell state; inferred from `weight_ih_l0` when left out, checked when given. */
  hiddenSize?: number;
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** Whether the weights include `bias_ih_*` and `bias_hh_*` (default true). */
  bias?: boolean;
  /** Input and output are [batch, seq_len, features] instead of [seq_len, batch, features]. */
  batchFirst?: boolean;
  /** Dropout probability on the outputs of every layer but the last (default 0). */
  dropout?: number;
  /** Run a reverse direction too, with the `_reverse` weights (default false). */
  bidirectional?: boolean;
  /** Size of the projected hidden state, 0 for none (default 0). */
  projSize?: number;
  /**
   * Whether dropout is applied (default true, as for a freshly built `torch.nn.LSTM`, which
   * starts in training mode). Pass false for evaluation.
   */
  training?: boolean;
  /** The source of dropout masks (default: the global generator). */
  generator?: Generator;
}

/** Options of {@link initLstm}: the layer's options with the sizes required, plus the dtype. */
export interface InitLstmOptions extends LstmOptions {
  inputSize: number;
  hiddenSize: number;
  /** Dtype of the created weights; default float32. */
  dtype?: 'float32' | 'float64';
}

/** LSTM weights keyed by PyTorch's parameter names (`weight_ih_l0`, `bias_hh_l1_reverse`, ...). */
export type LstmWeights = Readonly<Record<string, Tensor>>;

/** A weight set checked against the options, with every size resolved. */
export interface LstmConfig {
  /** Features per time step. */
  inputSize: number;
  /** Features of the cell state. */
  hiddenSize: number;
  /** 0 without projections. */
  projSize: number;
  /** Number of stacked layers. */
  numLayers: number;
  /** 2 when bidirectional, else 1. */
  directions: 1 | 2;
  /** Whether the weights include biases. */
  bias: boolean;
  /** Whether input and output are [batch, seq_len, features]. */
  batchFirst: boolean;
  /** Dropout probability between layers. */
  dropout: number;
  /** Whether dropout is applied. */
  training: boolean;
  /** Source of dropout masks; undefined for the global generator. */
  generator: Generator | undefined;
  /** Dtype of the weights. */
  dtype: 'float32' | 'float64';
  /** Backend that stores the weights. */
  backend: string;
  /** The weights by name, also when they were given as a flat array. */
  weights: Record<string, Tensor>;
}

type Structure = Omit<LstmConfig, 'inputSize' | 'hiddenSize' | 'dtype' | 'backend' | 'weights'>;

const LSTM_OPTION_NAMES = [
  'inputSize',
  'hiddenSize',
  'numLayers',
  'bias',
  'batchFirst',
  'dropout',
  'bidirectional',
  'projSize',
  'training',
  'generator',
];

const WEIGHT_NAME = /^(weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)_l(\d+)(_reverse)?$/;

/**
 * Lists the weight names of an LSTM in PyTorch's flat order (`nn.LSTM._flat_weights_names`):
 * per layer and direction, `weight_ih`, `weight_hh`, then the biases and `weight_hr` when
 * present. A flat weight array passed to {@link lstm} follows this order.
 */
export function lstmWeightNames(options: LstmOptions = {}): string[] {
  return namesOf(resolveStructure('lstmWeightNames', options, LSTM_OPTION_NAMES));
}

function namesOf(structure: Structure): string[] {
  const kinds = ['weight_ih', 'weight_hh'];
  if (structure.bias) kinds.push('bias_ih', 'bias_hh');
  if (structure.projSize > 0) kinds.push('weight_hr');
  const names: string[] = [];
  for (let layer = 0; layer < structure.numLayers; layer++) {
    for (const suffix of structure.directions === 2 ? ['', '_reverse'] : ['']) {
      for (const kind of kinds) names.push(`${kind}_l${layer}${suffix}`);
    }
  }
  return names;
}

/**
 * Creates LSTM weights with `torch.nn.LSTM`'s default init: every weight and bias uniform in
 * (-1/sqrt(hiddenSize), 1/sqrt(hiddenSize)), keyed by PyTorch's names. The values come from
 * metagrad's generator, so they differ from PyTorch's for the same seed.
 */
export function initLstm(options: InitLstmOptions, generator?: Generator): Record<string, Tensor> {
  const structure = resolveStructure('initLstm', options, [...LSTM_OPTION_NAMES, 'dtype']);
  const { inputSize, hiddenSize } = options;
  requirePositiveInteger('initLstm', 'inputSize', inputSize);
  requirePositiveInteger('initLstm', 'hiddenSize', hiddenSize);
  checkProjSize('initLstm', structure.projSize, hiddenSize);
  const dtype = options.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new InvalidArgumentError(
      `initLstm: dtype must be 'float32' or 'float64', got '${dtype}'`,
    );
  }
  const source = generator ?? options.generator ?? getGlobalGenerator();
  const bound = 1 / Math.sqrt(hiddenSize);
  const weights: Record<string, Tensor> = {};
  for (const name of namesOf(structure)) {
    const { shape } = expectedShape(name, { ...structure, inputSize, hiddenSize });
    weights[name] = uniform(shape, -bound, bound, { generator: source, dtype });
  }
  return weights;
}

/**
 * Validates a weight set against the options and returns the resolved sizes with the weights
 * by name. Every error names the weight, its shape and the expected shape. {@link lstm} calls
 * this on every call.
 */
export function validateLstmWeights(
  weights: LstmWeights | readonly Tensor[],
  options: LstmOptions = {},
  op = 'lstm',
): LstmConfig {
  const structure = resolveStructure(op, options, LSTM_OPTION_NAMES);
  const names = namesOf(structure);
  const record = toRecord(op, weights, names);
  checkNames(op, record, names, structure);

  const first = record.weight_ih_l0;
  if (first.rank !== 2 || first.shape[0] === 0 || first.shape[0] % 4 !== 0) {
    throw new ShapeError(
      `${op}: weight_ih_l0 has shape ${formatShape(first.shape)}, expected [4*hidden_size, input_size]: a 2-D tensor whose first dimension is a positive multiple of 4`,
    );
  }
  const hiddenSize = first.shape[0] / 4;
  const inputSize = first.shape[1];
  checkSizeOptions(op, options, first, hiddenSize, inputSize);
  checkProjSize(op, structure.projSize, hiddenSize);

  const sizes = { ...structure, inputSize, hiddenSize };
  if (!isFloatDType(first.dtype)) {
    throw new DTypeError(
      `${op}: weight_ih_l0 has dtype ${first.dtype}, expected float32 or float64`,
    );
  }
  for (const name of names) {
    const weight = record[name];
    if (weight.dtype !== first.dtype) {
      throw new DTypeError(
        `${op}: ${name} has dtype ${weight.dtype} but weight_ih_l0 has ${first.dtype}; every weight must have one float dtype`,
      );
    }
    if (weight.backend !== first.backend) {
      throw new BackendError(
        `${op}: ${name} is on backend '${weight.backend}' but weight_ih_l0 is on '${first.backend}'; move it with t.to('${first.backend}')`,
      );
    }
    const expected = expectedShape(name, sizes);
    if (weight.shape.join() !== expected.shape.join()) {
      throw new ShapeError(
        `${op}: ${name} has shape ${formatShape(weight.shape)}, expected ${expected.formula} = ${formatShape(expected.shape)}`,
      );
    }
  }
  return {
    ...sizes,
    dtype: first.dtype as 'float32' | 'float64',
    backend: first.backend,
    weights: record,
  };
}

/** Returns the shape PyTorch gives weight `name`, with the formula that error messages show. */
function expectedShape(
  name: string,
  sizes: Structure & { inputSize: number; hiddenSize: number },
): { shape: number[]; formula: string } {
  const match = WEIGHT_NAME.exec(name)!;
  const kind = match[1];
  const layer = Number(match[2]);
  const gates = 4 * sizes.hiddenSize;
  const outName = sizes.projSize > 0 ? 'proj_size' : 'hidden_size';
  const outSize = sizes.projSize > 0 ? sizes.projSize : sizes.hiddenSize;
  switch (kind) {
    case 'weight_ih': {
      if (layer === 0) {
        return { shape: [gates, sizes.inputSize], formula: '[4*hidden_size, input_size]' };
      }
      const factor = sizes.directions === 2 ? '2*' : '';
      return {
        shape: [gates, sizes.directions * outSize],
        formula: `[4*hidden_size, ${factor}${outName}]`,
      };
    }
    case 'weight_hh':
      return { shape: [gates, outSize], formula: `[4*hidden_size, ${outName}]` };
    case 'weight_hr':
      return {
        shape: [sizes.projSize, sizes.hiddenSize],
        formula: '[proj_size, hidden_size]',
      };
    default:
      return { shape: [gates], formula: '[4*hidden_size]' };
  }
}

function resolveStructure(op: string, options: LstmOptions, allowed: readonly string[]): Structure {
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError(`${op}: options must be an object, got ${options}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new InvalidArgumentError(
        `${op}: unknown option '${key}'; the options are ${allowed.join(', ')}`,
      );
    }
  }

  const numLayers = options.numLayers ?? 1;
  requirePositiveInteger(op, 'numLayers', numLayers);
  const projSize = options.projSize ?? 0;
  if (!Number.isInteger(projSize) || projSize < 0) {
    throw new InvalidArgumentError(
      `${op}: projSize must be a non-negative integer (0 for no projection), got ${projSize}`,
    );
  }
  const dropout = options.dropout ?? 0;
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout <= 1)) {
    throw new InvalidArgumentError(`${op}: dropout must be a number in [0, 1], got ${dropout}`);
  }
  for (const key of ['inputSize', 'hiddenSize'] as const) {
    if (options[key] !== undefined) requirePositiveInteger(op, key, options[key]);
  }

  const flags = {
    bias: options.bias ?? true,
    batchFirst: options.batchFirst ?? false,
    bidirectional: options.bidirectional ?? false,
    training: options.training ?? true,
  };
  for (const [key, value] of Object.entries(flags)) {
    if (typeof value !== 'boolean') {
      throw new InvalidArgumentError(`${op}: ${key} must be true or false, got ${value}`);
    }
  }

  if (options.generator !== undefined && !(options.generator instanceof Generator)) {
    throw new InvalidArgumentError(`${op}: generator must be a Generator from @metagrad/core`);
  }
  return {
    numLayers,
    directions: flags.bidirectional ? 2 : 1,
    bias: flags.bias,
    projSize,
    batchFirst: flags.batchFirst,
    dropout,
    training: flags.training,
    generator: options.generator,
  };
}

function requirePositiveInteger(op: string, key: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${op}: ${key} must be a positive integer, got ${value}`);
  }
}

function checkProjSize(op: string, projSize: number, hiddenSize: number): void {
  if (projSize >= hiddenSize) {
    throw new InvalidArgumentError(
      `${op}: projSize ${projSize} must be smaller than hidden_size ${hiddenSize}, as in torch.nn.LSTM`,
    );
  }
}

function isFloatDType(dtype: string): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/** Checks explicit inputSize and hiddenSize options against the sizes weight_ih_l0 implies. */
function checkSizeOptions(
  op: string,
  options: LstmOptions,
  first: Tensor,
  hiddenSize: number,
  inputSize: number,
): void {
  const wantHidden = options.hiddenSize ?? hiddenSize;
  const wantInput = options.inputSize ?? inputSize;
  if (wantHidden === hiddenSize && wantInput === inputSize) return;
  const reasons: string[] = [];
  if (wantHidden !== hiddenSize) reasons.push(`hiddenSize is ${wantHidden}`);
  if (wantInput !== inputSize) reasons.push(`inputSize is ${wantInput}`);
  throw new ShapeError(
    `${op}: weight_ih_l0 has shape ${formatShape(first.shape)}, expected [4*hidden_size, input_size] = ${formatShape([4 * wantHidden, wantInput])} because the options' ${reasons.join(' and ')}`,
  );
}

function toRecord(
  op: string,
  weights: LstmWeights | readonly Tensor[],
  names: readonly string[],
): Record<string, Tensor> {
  if (Array.isArray(weights)) {
    if (weights.length !== names.length) {
      throw new InvalidArgumentError(
        `${op}: got a flat array of ${weights.length} weights, expected ${names.length} in the order ${names.join(', ')}`,
      );
    }
    const record: Record<string, Tensor> = {};
    names.forEach((name, i) => {
      record[name] = weights[i];
    });
    return checkTensors(op, record);
  }
  if (weights === null || typeof weights !== 'object' || weights instanceof Tensor) {
    throw new InvalidArgumentError(
      `${op}: weights must be a record keyed by PyTorch's names (weight_ih_l0, ...) or a flat array in that order`,
    );
  }
  return checkTensors(op, { ...(weights as LstmWeights) });
}

function checkTensors(op: string, record: Record<string, Tensor>): Record<string, Tensor> {
  for (const [name, value] of Object.entries(record)) {
    if (!(value instanceof Tensor)) {
      throw new InvalidArgumentError(`${op}: weight ${name} must be a Tensor, got ${value}`);
    }
  }
  return record;
}

interface ParsedName {
  name: string;
  kind: string;
  layer: number;
  reverse: boolean;
}

function parse(name: string): ParsedName | null {
  const match = WEIGHT_NAME.exec(name);
  if (!match) return null;
  return { name, kind: match[1], layer: Number(match[2]), reverse: match[3] !== undefined };
}

/**
 * Raises an error for the first missing or extra weight. A mismatch that one option explains
 * (bidirectional, bias, projSize, numLayers) gets a message that names that option.
 */
function checkNames(
  op: string,
  record: Record<string, Tensor>,
  names: readonly string[],
  structure: Structure,
): void {
  const expected = new Set(names);
  const given = Object.keys(record);
  const extra = given.filter((name) => !expected.has(name));
  const missing = names.filter((name) => !(name in record));
  if (extra.length === 0 && missing.length === 0) return;

  const parsedExtra = extra.map(parse).filter((p): p is ParsedName => p !== null);
  const parsedGiven = given.map(parse).filter((p): p is ParsedName => p !== null);
  const parsedMissing = missing.map(parse) as ParsedName[];
  const fail = (message: string): never => {
    throw new InvalidArgumentError(`${op}: ${message}`);
  };

  const extraReverse = parsedExtra.find((p) => p.reverse);
  if (structure.directions === 1 && extraReverse) {
    fail(
      `${extraReverse.name} is present but bidirectional is false; pass bidirectional: true to run the reverse direction, or remove the _reverse weights`,
    );
  }
  const missingReverse = parsedMissing.find((p) => p.reverse);
  if (missingReverse && !parsedGiven.some((p) => p.reverse)) {
    fail(
      `bidirectional is true but ${missingReverse.name} is missing, and no _reverse weights were given; pass bidirectional: false for a one-direction LSTM`,
    );
  }
  const extraBias = parsedExtra.find((p) => p.kind.startsWith('bias_'));
  if (!structure.bias && extraBias) {
    fail(`${extraBias.name} is present but bias is false; pass bias: true or remove the biases`);
  }
  const missingBias = parsedMissing.find((p) => p.kind.startsWith('bias_'));
  if (missingBias && !parsedGiven.some((p) => p.kind.startsWith('bias_'))) {
    fail(`${missingBias.name} is missing; pass bias: false for an LSTM without biases`);
  }
  const extraProjection = parsedExtra.find((p) => p.kind === 'weight_hr');
  if (structure.projSize === 0 && extraProjection) {
    const size = record[extraProjection.name].shape[0];
    fail(
      `${extraProjection.name} is present but projSize is 0; pass projSize: ${size} to use the projection`,
    );
  }
  const missingProjection = parsedMissing.find((p) => p.kind === 'weight_hr');
  if (missingProjection && !parsedGiven.some((p) => p.kind === 'weight_hr')) {
    fail(
      `${missingProjection.name} is missing but projSize is ${structure.projSize}; pass projSize: 0 for an LSTM without projections`,
    );
  }
  const extraLayer = parsedExtra.find((p) => p.layer >= structure.numLayers);
  if (extraLayer) {
    const layers = Math.max(...parsedGiven.map((p) => p.layer)) + 1;
    fail(
      `${extraLayer.name} is present but numLayers is ${structure.numLayers}; pass numLayers: ${layers} to run every layer the weights define`,
    );
  }
  const missingLayer = parsedMissing.find((p) => !parsedGiven.some((q) => q.layer === p.layer));
  if (missingLayer) {
    const layers = Math.max(-1, ...parsedGiven.map((p) => p.layer)) + 1;
    fail(
      `${missingLayer.name} is missing: numLayers is ${structure.numLayers} but the weights define ${layers} layer(s)`,
    );
  }
  if (missing.length > 0) {
    fail(`${missing[0]} is missing; expected the weights ${names.join(', ')}`);
  }
  fail(`unexpected weight '${extra[0]}'; expected the weights ${names.join(', ')}`);
}
