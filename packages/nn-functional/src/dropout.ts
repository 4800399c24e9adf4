import {
  allocateTypedArray,
  fromTypedArray,
  type Generator,
  getGlobalGenerator,
  InvalidArgumentError,
  type Tensor,
} from '@metagrad/core';
import { assertBoolean, assertFloating, formatValue } from './validate.js';

/** Options of {@link dropout}, as in `torch.nn.functional.dropout`. */
export interface DropoutOptions {
  /** Probability of zeroing an element, in [0, 1]. Default 0.5. */
  p?: number;
  /** Drop only when true; eval mode (false) returns the input. Default true, as in PyTorch. */
  training?: boolean;
  /** Source of the mask (default: the global generator). */
  generator?: Generator;
}

/**
 * Inverted dropout, as `torch.nn.functional.dropout`: in training each element is zeroed with
 * probability p and the kept ones are scaled by 1 / (1 - p), so the expected value is unchanged.
 * The mask is drawn from the generator in row-major order, one `random()` per element, so a
 * seeded generator repeats it bit for bit (the stream differs from PyTorch's).
 */
export function dropout(input: Tensor, options: DropoutOptions = {}): Tensor {
  const op = 'dropout';
  const p = options.p ?? 0.5;
  const training = assertBoolean(op, 'training', options.training ?? true);
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    throw new InvalidArgumentError(
      `${op}: p must be a probability in [0, 1], got ${formatValue(p)}`,
    );
  }
  assertFloating(op, 'input', input);
  if (!training || p === 0) return input;
  // With p = 1 PyTorch multiplies by zero, so NaN and infinity still give NaN.
  if (p === 1) return input.mul(0);
  const generator = options.generator ?? getGlobalGenerator();
  const scale = 1 / (1 - p);
  const noise = allocateTypedArray(input.dtype, input.size);
  for (let i = 0; i < noise.length; i++) noise[i] = generator.random() < 1 - p ? scale : 0;
  return input.mul(fromTypedArray(noise, input.shape, input.dtype, { backend: input.backend }));
}
