export { loadWeights, saveWeights, type WeightsInfo } from './checkpoint.js';
export {
  loadStrokeSplit,
  type SequenceBatch,
  type StrokeClass,
  type StrokeEpisode,
  type StrokeSplit,
  sampleStrokeEpisode,
} from './data.js';
export {
  type AccuracyResult,
  type EvaluationOptions,
  evaluateAdaptation,
  evaluateNearestNeighbour,
  evaluationEpisodes,
  withNewHead,
} from './evaluate.js';
export { type Curve, drawEpisode, plotTraining } from './figures.js';
export { adapt, type InnerLoop, metaGradient, metaLoss, type TaskTensors } from './maml.js';
export {
  accuracyOf,
  type BatchTensors,
  classificationLoss,
  initStrokeNet,
  logits,
  type StrokeNetParams,
  toTensors,
} from './model.js';
export { STEP_FEATURES, sequenceToStrokes, strokesToSequence } from './strokes.js';
export { metaTrain, pretrainBaseline, sampleTasks, type TrainConfig } from './train.js';
