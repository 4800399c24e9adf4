import { fromTypedArray } from '@metagrad/core';
import {
  type ImageClass,
  loadOmniglotImages,
  type OmniglotCharacter,
  type RandomSource,
  sampleEpisode,
  withRotations,
} from '@metagrad/datasets';
import type { TaskBatch } from './maml.js';
import { IMAGE_SIZE } from './model.js';

/**
 * The background characters a model meta-trains on: `both` small sets (the 242 distinct
 * characters, since Greek and Latin are in both), or `small1` alone, which leaves the
 * alphabets found only in `small2` for testing.
 */
export type TrainSet = 'both' | 'small1';

/** Loads the training classes: every character of the set, each 90-degree rotation a new class. */
export function trainingClasses(set: TrainSet): ImageClass[] {
  const sets = set === 'both' ? (['small1', 'small2'] as const) : (['small1'] as const);
  return withRotations(loadOmniglotImages({ sets, size: IMAGE_SIZE }).characters);
}

/**
 * Loads the characters of the alphabets found only in `small2` (Japanese katakana, Sanskrit and
 * Tagalog): the test classes of a model trained on `small1`. Greek and Latin are left out
 * because they are in both sets.
 */
export function heldOutCharacters(): OmniglotCharacter[] {
  const { characters } = loadOmniglotImages({ sets: ['small1', 'small2'], size: IMAGE_SIZE });
  return characters.filter((c) => c.sets.length === 1 && c.sets[0] === 'small2');
}

/** How to draw one batch of N-way K-shot tasks. */
export interface TaskSampling {
  tasks: number;
  ways: number;
  shots: number;
  queries: number;
  /** Random affine distortion of every image (shift, small rotation, scale). */
  augment: boolean;
}

/** Draws `tasks` episodes and stacks them: images [tasks, n, 1, 28, 28], labels [tasks, n]. */
export function sampleTaskBatch(
  classes: readonly ImageClass[],
  sampling: TaskSampling,
  rng: RandomSource,
): TaskBatch {
  const { tasks, ways, shots, queries, augment } = sampling;
  const pixels = IMAGE_SIZE * IMAGE_SIZE;
  const supportImages = new Float32Array(tasks * ways * shots * pixels);
  const supportLabels = new Int32Array(tasks * ways * shots);
  const queryImages = new Float32Array(tasks * ways * queries * pixels);
  const queryLabels = new Int32Array(tasks * ways * queries);
  for (let t = 0; t < tasks; t++) {
    const episode = sampleEpisode(classes, { ways, shots, queries, rng, augment });
    supportImages.set(episode.support.images, t * ways * shots * pixels);
    supportLabels.set(episode.support.labels, t * ways * shots);
    queryImages.set(episode.query.images, t * ways * queries * pixels);
    queryLabels.set(episode.query.labels, t * ways * queries);
  }
  const image = [1, IMAGE_SIZE, IMAGE_SIZE];
  return {
    support: fromTypedArray(supportImages, [tasks, ways * shots, ...image], 'float32'),
    supportLabels: fromTypedArray(supportLabels, [tasks, ways * shots], 'int32'),
    query: fromTypedArray(queryImages, [tasks, ways * queries, ...image], 'float32'),
    queryLabels: fromTypedArray(queryLabels, [tasks, ways * queries], 'int32'),
  };
}
