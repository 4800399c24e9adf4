export { flatten } from '@metagrad/core';
export { relu, sigmoid, tanh } from './activations.js';
export { type BatchNormOptions, type BatchNormResult, batchNorm } from './batch_norm.js';
export {
  type CrossEntropyOptions,
  crossEntropy,
  logSoftmax,
  type NllLossOptions,
  nllLoss,
  softmax,
} from './classification.js';
export { type Conv2dOptions, conv2d, type InitConv2dOptions, initConv2d } from './conv.js';
export { type DropoutOptions, dropout } from './dropout.js';
export { type InitLinearOptions, initLinear, linear } from './linear.js';
export { mseLoss, type Reduction } from './loss.js';
export { lstm } from './lstm.js';
export { type LstmCellWeights, lstmCell } from './lstm_cell.js';
export {
  type InitLstmOptions,
  initLstm,
  type LstmConfig,
  type LstmOptions,
  type LstmWeights,
  lstmWeightNames,
  validateLstmWeights,
} from './lstm_weights.js';
export {
  type AvgPool2dOptions,
  avgPool2d,
  type MaxPool2dOptions,
  maxPool2d,
  type Pool2dOptions,
} from './pool.js';
