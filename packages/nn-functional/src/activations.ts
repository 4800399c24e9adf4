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

export function tanh(input: Tensor): Tensor {
  return coreTanh(input);
}

export function sigmoid(input: Tensor): Tensor {
  return coreSigmoid(input);
}
