export { type AdamOptions, type AdamState, adamInit, adamUpdate } from './adam.js';
export { clipGradNorm } from './clip.js';
export { Adam, AdamW, SGD } from './optimizers.js';
export { type SGDOptions, type SGDState, sgdInit, sgdUpdate } from './sgd.js';
export { sgdStep } from './sgd_step.js';
