import { noGrad, type Tensor, tidy } from '@metagrad/core';
import { adaptedLogits, type TaskBatch } from './maml.js';
import {
  type Architecture,
  type ConvNetParams,
  features,
  type NormMode,
  replicate,
} from './model.js';

/**
 * The rule that labels a query image:
 * - `maml`: adapt the meta-learned weights to the support set with a few SGD steps, then take
 *   the adapted classifier's prediction (the head must have as many classes as the task);
 * - `feature-nn`: the label of the support image whose meta-learned features (no adaptation)
 *   are nearest by cosine similarity, for tasks whose class count differs from the head's;
 * - `pixel-nn`: the same nearest-neighbour rule on raw pixels, a reference that learns nothing.
 */
export type Classifier = 'maml' | 'feature-nn' | 'pixel-nn';

/** Test-time settings shared by every evaluation. */
export interface TestSettings {
  architecture: Architecture;
  /** SGD steps on the support set before predicting (MAML's paper: 3 at test time). */
  steps: number;
  lr: number;
  /** Tasks per forward pass, which bounds memory. */
  chunk: number;
}

/** Predicts the label of every query image: [tasks * queries], task after task. */
export function predict(
  params: ConvNetParams,
  batch: TaskBatch,
  classifier: Classifier,
  mode: NormMode,
  settings: TestSettings,
): Int32Array {
  const [tasks, queries] = batch.query.shape;
  const predictions = new Int32Array(tasks * queries);
  for (let start = 0; start < tasks; start += settings.chunk) {
    const count = Math.min(settings.chunk, tasks - start);
    const part = tidy(() => {
      const slice = sliceTasks(batch, start, count);
      return predictChunk(params, slice, classifier, mode, settings).dataSync();
    });
    predictions.set(part, start * queries);
  }
  return predictions;
}

function sliceTasks(batch: TaskBatch, start: number, count: number): TaskBatch {
  return {
    support: batch.support.narrow(0, start, count),
    supportLabels: batch.supportLabels.narrow(0, start, count),
    query: batch.query.narrow(0, start, count),
    queryLabels: batch.queryLabels.narrow(0, start, count),
  };
}

function predictChunk(
  params: ConvNetParams,
  batch: TaskBatch,
  classifier: Classifier,
  mode: NormMode,
  settings: TestSettings,
): Tensor {
  if (classifier === 'maml') {
    const inner = { steps: settings.steps, lr: settings.lr, firstOrder: true };
    return adaptedLogits(params, batch, inner, settings.architecture, mode).argmax(-1);
  }
  return noGrad(() => {
    const tasks = batch.support.shape[0];
    const embed = (images: Tensor) => {
      if (classifier === 'pixel-nn') return images.flatten(2);
      return features(replicate(params, tasks), images, settings.architecture, mode);
    };
    return nearestLabels(embed(batch.support), batch.supportLabels, embed(batch.query));
  });
}

/**
 * Returns, for each query vector, the label of the most cosine-similar support vector.
 * support [tasks, s, d], labels int32 [tasks, s], query [tasks, q, d] -> int32 [tasks, q].
 */
function nearestLabels(support: Tensor, labels: Tensor, query: Tensor): Tensor {
  const unit = (t: Tensor) => t.div(t.square().sum(-1, true).sqrt().add(1e-12));
  // [tasks, q, d] @ [tasks, d, s] -> [tasks, q, s]
  const similarity = unit(query).matmul(unit(support).transpose(-1, -2));
  const nearest = similarity.argmax(-1);
  return labels.gather(1, nearest);
}
