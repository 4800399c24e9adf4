import {
  relu as coreRelu,
  sigmoid as coreSigmoid,
  tanh as coreTanh,
  type Tensor,
} from '@metagrad/core';

/** max(x, 0), as `torch.nn.functional.relu` (gradient 0 at exactly 0). */
export function relu(input: Tensor): Tensor {
  return coreRelu(input);
}

/** Computes the hyperbolic tangent element-wise, as `torch.nn.functional.tanh`. */
export function tanh(input: Tensor): Tensor {
  return coreTanh(input);
}

/** Computes 1 / (1 + e^-x) element-wise, as `torch.nn.functional.sigmoid`. */
export function sigmoid(input: Tensor): Tensor {
  return coreSigmoid(input);
}
