export { relu, sigmoid, tanh } from './activations.js';
export { type InitLinearOptions, initLinear, linear } from './linear.js';
export { type Reduction, mseLoss } from './loss.js';
