export { loadWeights, saveWeights } from './checkpoint.js';
export { type Classifier, predict, type TestSettings } from './classify.js';
export {
  heldOutCharacters,
  sampleTaskBatch,
  type TaskSampling,
  type TrainSet,
  trainingClasses,
} from './data.js';
export {
  type EpisodeTest,
  evaluateEpisodes,
  evaluateLakeRuns,
  evaluateRunEpisodes,
  type LakeResult,
  type RunEpisodesResult,
} from './evaluate.js';
export {
  adapt,
  adaptedLogits,
  type InnerLoop,
  metaGradient,
  metaLoss,
  type TaskBatch,
  taskAccuracies,
  taskLosses,
} from './maml.js';
export {
  type Architecture,
  type ConvNetConfig,
  type ConvNetParams,
  features,
  forward,
  initConvNet,
  type NormMode,
  replicate,
} from './model.js';
export { type Estimate, meanInterval, proportion } from './stats.js';
export { metaTrain, type TrainConfig, type TrainOptions, type TrainResult } from './train.js';
