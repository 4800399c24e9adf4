import type { Tensor } from '../tensor.js';

/**
 * Computes the gradients of an op's inputs from the gradient of its output. It is written with
 * ops, never raw kernels, so that it is itself differentiable: that is what gives gradients of
 * any order. It may read only `inputs` and `saved`, so that `tidy` knows what the graph needs.
 * `needed[i]` is false when the backward pass discards input i's gradient (a constant such as
 * the data), so an op may skip computing it. `needed` is absent when all are used.
 */
export type BackwardFn = (
  dy: Tensor,
  inputs: readonly Tensor[],
  saved: readonly Tensor[],
  needed?: readonly boolean[],
) => readonly (Tensor | null | undefined)[];

/** The record that an op leaves on its output when gradients are being recorded. */
export interface GradNode {
  /** Name of the op, used in error messages. */
  readonly name: string;
  /** Inputs of the op, in argument order. */
  inputs: readonly Tensor[];
  /** Extra tensors the backward reads (the output first when the op saves it). */
  saved: readonly Tensor[];
  /** Computes the input gradients from the output gradient. */
  readonly backward: BackwardFn;
  /** Set once a backward pass without `retainGraph` has run through this node. */
  released: boolean;
  /**
   * Set on a step-1 slice of the op's one input, whose output is the elements from `start` on
   * along `axis`. The backward pass joins the gradients of several such slices of one tensor
   * with one concat, where calling `backward` would pad each to full size and add them.
   */
  sliceOf?: {
    /** The axis along which the slice was taken. */
    readonly axis: number;
    /** The index along `axis` of the slice's first element. */
    readonly start: number;
  };
  /**
   * Set on a product of two matrices whose gradient for `inputs[1]` is `left^T right`, with
   * [left, right] from `factors`. The backward pass stacks the factors of all such products that
   * use one tensor and sums them with one matmul. It calls `first` for the gradient of
   * `inputs[0]` instead of `backward`.
   */
  productOf?: {
    /** Computes the gradient of `inputs[0]`. */
    readonly first: (dy: Tensor, inputs: readonly Tensor[]) => Tensor;
    /** Returns [left, right] such that the gradient of `inputs[1]` is `left^T right`. */
    readonly factors: (dy: Tensor, inputs: readonly Tensor[]) => [Tensor, Tensor];
  };
}
