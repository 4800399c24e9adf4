import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { loadSafetensors, saveSafetensors, unflattenDotted } from '@metagrad/core';
import type { TrainSet } from './data.js';
import { BLOCKS, type ConvNetConfig, type ConvNetParams, featureSize } from './model.js';

/** Meta-learned weights with the architecture they need and the characters they saw. */
export interface SavedWeights {
  params: ConvNetParams;
  config: ConvNetConfig;
  /** The background characters of meta-training, or null when the file does not record them. */
  trainSet: TrainSet | null;
}

/**
 * Writes the weights with PyTorch's state_dict naming (`conv1.weight`, `bn1.bias`, ...), and
 * the architecture and training set in the metadata.
 */
export function saveWeights(path: string, weights: SavedWeights): void {
  const { params, config } = weights;
  const metadata: Record<string, string> = {
    format: 'pt',
    ways: String(config.ways),
    filters: String(config.filters),
    maxPool: String(config.maxPool),
    zeroHead: String(config.zeroHead ?? false),
  };
  if (weights.trainSet) metadata.trainSet = weights.trainSet;
  // Through a temporary file, so an interrupted write never leaves a truncated file.
  writeFileSync(`${path}.tmp`, saveSafetensors(params, metadata));
  renameSync(`${path}.tmp`, path);
}

/** Reads weights saved by {@link saveWeights} and checks every expected tensor and shape. */
export function loadWeights(path: string): SavedWeights {
  const { tensors, metadata } = loadSafetensors(readFileSync(path));
  const config: ConvNetConfig = {
    ways: Number(metadata.ways),
    filters: Number(metadata.filters),
    maxPool: metadata.maxPool === 'true',
    zeroHead: metadata.zeroHead === 'true',
  };
  if (!Number.isInteger(config.ways) || !Number.isInteger(config.filters)) {
    throw new Error(
      `${path}: the metadata has no valid ways and filters (got ${JSON.stringify(metadata)}); expected weights saved by omniglot-maml`,
    );
  }
  const params = unflattenDotted(tensors) as unknown as ConvNetParams;
  const expected: Record<string, number[]> = {
    'head.weight': [config.ways, featureSize(config)],
    'head.bias': [config.ways],
  };
  for (let block = 1; block <= BLOCKS; block++) {
    const inChannels = block === 1 ? 1 : config.filters;
    expected[`conv${block}.weight`] = [config.filters, inChannels, 3, 3];
    expected[`conv${block}.bias`] = [config.filters];
    expected[`bn${block}.weight`] = [config.filters];
    expected[`bn${block}.bias`] = [config.filters];
  }
  for (const [name, shape] of Object.entries(expected)) {
    const tensor = tensors[name];
    if (!tensor || tensor.shape.join(',') !== shape.join(',')) {
      throw new Error(
        `${path}: ${name} ${tensor ? `has shape [${tensor.shape.join(', ')}]` : 'is missing'}, expected [${shape.join(', ')}] for ways ${config.ways}, filters ${config.filters}, maxPool ${config.maxPool}`,
      );
    }
  }
  const trainSet =
    metadata.trainSet === 'both' || metadata.trainSet === 'small1' ? metadata.trainSet : null;
  return { params, config, trainSet };
}
