export { type AdaptationResult, type EvaluationOptions, evaluateAdaptation } from './evaluate.js';
export { adapt, type InnerLoop, metaGradient, metaLoss, pretrainLoss } from './maml.js';
export { forward, initMlp, type MlpParams, replicate, taskLosses } from './model.js';
export { sampleTasks, type TaskBatch } from './tasks.js';
export { metaTrain, pretrainBaseline, type TrainConfig } from './train.js';
