export {
  customGrad,
  type Fn as DifferentiableFn,
  type FunctionalGradOptions,
  grad,
  valueAndGrad,
} from './autograd/functional.js';
export {
  type Fn as GradcheckFn,
  type GradcheckOptions,
  type GradcheckReport,
  gradcheck,
  gradgradcheck,
} from './autograd/gradcheck.js';
export type { BackwardFn, GradNode } from './autograd/node.js';
export type { Backend, DataId, KernelImpl, KernelTable, TensorInfo } from './backend.js';
export {
  allocateTypedArray,
  bytesPerElement,
  type DType,
  dtypeOfTypedArray,
  isFloating,
  promoteTypes,
  type TypedArray,
} from './dtype.js';
export {
  backendInstance,
  getBackend,
  isAnomalyMode,
  isBackendRegistered,
  isGradEnabled,
  listBackends,
  type MemoryInfo,
  memory,
  noGrad,
  registerBackend,
  registerKernel,
  removeBackend,
  runKernel,
  setAnomalyMode,
  setBackend,
  withGradMode,
} from './engine.js';
export {
  BackendError,
  DisposedTensorError,
  DTypeError,
  formatShape,
  GradError,
  InvalidArgumentError,
  MetagradError,
  ShapeError,
} from './errors.js';
export * from './kernel_names.js';
export { collectTensors, dispose, keep, tidy } from './memory.js';
export * from './ops/index.js';
export type { OpOptions } from './ops/op.js';
export type { Scalar, TensorLike } from './ops/types.js';
export {
  flattenTree,
  type MapTree,
  mapTree,
  type PyTree,
  unflattenTree,
  zipTrees,
} from './pytree.js';
export { Generator, type GeneratorState, getGlobalGenerator, manualSeed } from './random.js';
export {
  loadSafetensors,
  SafetensorsError,
  saveSafetensors,
  unflattenDotted,
} from './safetensors.js';
export {
  broadcastShapes,
  normalizeAxes,
  normalizeAxis,
  type Shape,
  sizeOf,
  stridesOf,
} from './shape.js';
export { Tensor } from './tensor.js';

import { type GradOptions, gradients } from './autograd/backward.js';

export type { GradOptions };

/** PyTorch-style differentiation: `autograd.grad(outputs, inputs, options)`. */
export const autograd = {
  /**
   * Returns the gradients of `outputs` with respect to `inputs`, as `torch.autograd.grad`.
   * An entry is null only for an unused input when `allowUnused` is set.
   */
  grad(
    outputs: import('./tensor.js').Tensor | readonly import('./tensor.js').Tensor[],
    inputs: import('./tensor.js').Tensor | readonly import('./tensor.js').Tensor[],
    options: GradOptions = {},
  ): (import('./tensor.js').Tensor | null)[] {
    const outs = Array.isArray(outputs) ? outputs : [outputs];
    const ins = Array.isArray(inputs) ? inputs : [inputs];
    return gradients(outs as never, ins as never, options);
  },
};
