import type { Tensor } from '../tensor.js';

/** A plain number (or boolean) standing for a 0-D tensor, as a Python scalar does in PyTorch. */
export type Scalar = number | boolean;

/** Anything an elementwise op accepts as an operand. */
export type TensorLike = Tensor | Scalar;
