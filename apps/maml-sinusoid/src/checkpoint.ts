import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import {
  type GeneratorState,
  loadSafetensors,
  saveSafetensors,
  type Tensor,
  unflattenDotted,
} from '@metagrad/core';
import type { AdamState } from '@metagrad/optim';
import type { MlpParams } from './model.js';

/** Everything needed to continue a run exactly where it stopped. */
export interface Checkpoint {
  iteration: number;
  params: MlpParams;
  optimizer: AdamState<MlpParams>;
  generator: GeneratorState;
  /** The settings the run started with; a resumed run must use the same ones. */
  config: Record<string, unknown>;
  losses: number[];
}

/** Writes the weights alone, with PyTorch's state_dict naming (`l1.weight`, ...). */
export function saveWeights(
  path: string,
  params: MlpParams,
  metadata: Record<string, string> = {},
): void {
  writeAtomically(path, saveSafetensors(params, { format: 'pt', ...metadata }));
}

export function loadWeights(path: string): MlpParams {
  const { tensors } = loadSafetensors(readFileSync(path));
  const tree = unflattenDotted(tensors) as unknown as MlpParams;
  for (const layer of ['l1', 'l2', 'l3'] as const) {
    for (const name of ['weight', 'bias'] as const) {
      if (!tree[layer]?.[name]) {
        throw new Error(
          `${path}: ${layer}.${name} is missing; expected the weights of a 1-40-40-1 MLP saved by this app`,
        );
      }
    }
  }
  return tree;
}

/** Writes a checkpoint: tensors as safetensors, the rest as JSON in its metadata. */
export function saveCheckpoint(path: string, checkpoint: Checkpoint): void {
  const tensors = {
    params: checkpoint.params,
    expAvg: checkpoint.optimizer.expAvg,
    expAvgSq: checkpoint.optimizer.expAvgSq,
  };
  const metadata = {
    iteration: String(checkpoint.iteration),
    adamStep: String(checkpoint.optimizer.step),
    generator: JSON.stringify(checkpoint.generator),
    config: JSON.stringify(checkpoint.config),
    losses: JSON.stringify(checkpoint.losses),
  };
  writeAtomically(path, saveSafetensors(tensors, metadata));
}

export function loadCheckpoint(path: string): Checkpoint {
  if (!existsSync(path)) {
    throw new Error(`--resume: no checkpoint at ${path}; start a run with the same --out first`);
  }
  const { tensors, metadata } = loadSafetensors(readFileSync(path));
  const tree = unflattenDotted(tensors) as {
    params: MlpParams;
    expAvg: MlpParams;
    expAvgSq: MlpParams;
  };
  return {
    iteration: Number(metadata.iteration),
    params: tree.params,
    optimizer: {
      step: Number(metadata.adamStep),
      expAvg: tree.expAvg,
      expAvgSq: tree.expAvgSq,
      maxExpAvgSq: null,
    },
    generator: JSON.parse(metadata.generator),
    config: JSON.parse(metadata.config),
    losses: JSON.parse(metadata.losses),
  };
}

/** Writes through a temporary file, so an interrupted write never leaves a truncated checkpoint. */
function writeAtomically(path: string, bytes: Uint8Array): void {
  writeFileSync(`${path}.tmp`, bytes);
  renameSync(`${path}.tmp`, path);
}

export type { Tensor };
