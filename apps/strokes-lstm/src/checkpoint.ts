import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { formatShape, loadSafetensors, saveSafetensors, type Tensor } from '@metagrad/core';
import { validateLstmWeights } from '@metagrad/nn-functional';
import { LSTM_OPTIONS, type StrokeNetParams } from './model.js';
import { STEP_FEATURES } from './strokes.js';

/** Metadata of a weights file, so that it can be evaluated alone. */
export interface WeightsInfo {
  /** Time steps the drawings were resampled to during training. */
  length: number;
  iterations: number;
  [key: string]: string | number | boolean;
}

/**
 * Writes the weights as safetensors under PyTorch `state_dict` names: `lstm.weight_ih_l0`,
 * `lstm.bias_hh_l0_reverse`, ..., `head.weight`, `head.bias`. A PyTorch module with attributes
 * `lstm = nn.LSTM(3, hidden, bidirectional=True, batch_first=True)` and
 * `head = nn.Linear(2 * hidden, ways)` loads them with `load_state_dict`; `nn.LSTM` alone takes
 * the `lstm.` entries with that prefix removed.
 */
export function saveWeights(path: string, params: StrokeNetParams, info: WeightsInfo): void {
  const metadata = Object.fromEntries(
    Object.entries(info).map(([key, value]) => [key, String(value)]),
  );
  const bytes = saveSafetensors(params, { format: 'pt', ...metadata });
  // Writing through a temporary file means an interrupted write never leaves a truncated file.
  writeFileSync(`${path}.tmp`, bytes);
  renameSync(`${path}.tmp`, path);
}

/** Reads weights written by {@link saveWeights} and checks them: the LSTM's names and shapes, and the head's fit. */
export function loadWeights(path: string): {
  params: StrokeNetParams;
  length: number;
  metadata: Record<string, string>;
} {
  const { tensors, metadata } = loadSafetensors(readFileSync(path));
  const lstm: Record<string, Tensor> = {};
  const head: Partial<StrokeNetParams['head']> = {};
  for (const [key, tensor] of Object.entries(tensors)) {
    const [prefix, name, ...rest] = key.split('.');
    if (prefix === 'lstm' && name !== undefined && rest.length === 0) lstm[name] = tensor;
    else if (prefix === 'head' && (name === 'weight' || name === 'bias') && rest.length === 0)
      head[name] = tensor;
    else throw new Error(`${path}: unexpected tensor '${key}'; expected lstm.* and head.* only`);
  }
  const { hiddenSize } = validateLstmWeights(
    lstm,
    { ...LSTM_OPTIONS, inputSize: STEP_FEATURES },
    `${path} (lstm.*)`,
  );
  if (head.weight === undefined || head.bias === undefined) {
    throw new Error(`${path}: head.weight or head.bias is missing`);
  }
  const ways = head.weight.shape[0];
  const expected = [ways, 2 * hiddenSize];
  if (head.weight.shape.join() !== expected.join() || head.bias.shape.join() !== String(ways)) {
    throw new Error(
      `${path}: head.weight has shape ${formatShape(head.weight.shape)} and head.bias ${formatShape(head.bias.shape)}, expected [ways, 2*hidden_size] = ${formatShape(expected)} and [${ways}]`,
    );
  }
  const length = Number(metadata.length);
  if (!Number.isInteger(length) || length < 1) {
    throw new Error(
      `${path}: the metadata entry 'length' is '${metadata.length}', expected the sequence length the weights were trained with`,
    );
  }
  return { params: { lstm, head: { weight: head.weight, bias: head.bias } }, length, metadata };
}
