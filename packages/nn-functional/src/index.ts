export { relu, sigmoid, tanh } from './activations.js';
export { type InitLinearOptions, initLinear, linear } from './linear.js';
export { type Reduction, mseLoss } from './loss.js';
export { type BatchNormOptions, type BatchNormResult, batchNorm } from './batch_norm.js';
export {
  type CrossEntropyOptions,
  type NllLossOptions,
  crossEntropy,
  logSoftmax,
  nllLoss,
  softmax,
} from './classification.js';
export { type Conv2dOptions, type InitConv2dOptions, conv2d, initConv2d } from './conv.js';
export { type DropoutOptions, dropout } from './dropout.js';
export { flatten } from '@metagrad/core';
export {
  type AvgPool2dOptions,
  type MaxPool2dOptions,
  type Pool2dOptions,
  avgPool2d,
  maxPool2d,
} from './pool.js';
export { lstm } from './lstm.js';
export { type LstmCellWeights, lstmCell } from './lstm_cell.js';
export {
  type InitLstmOptions,
  type LstmConfig,
  type LstmOptions,
  type LstmWeights,
  initLstm,
  lstmWeightNames,
  validateLstmWeights,
} from './lstm_weights.js';
