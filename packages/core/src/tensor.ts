import type { GradNode } from './autograd/node.js';
import type { DataId, TensorInfo } from './backend.js';
import type { DType, TypedArray } from './dtype.js';
import * as engine from './engine.js';
import { BackendError, DisposedTensorError, DTypeError, InvalidArgumentError } from './errors.js';
import { formatTensor } from './format.js';
import * as ops from './ops/index.js';
import type { Scalar, TensorLike } from './ops/types.js';
import { sizeOf } from './shape.js';

/**
 * An n-dimensional array on one backend, with a fixed shape and dtype. Ops return new tensors;
 * a tensor's data never changes after creation, which is what lets a graph save it for a later
 * backward pass.
 */
export class Tensor {
  /** Unique id, assigned in creation order by the engine. */
  readonly id: number;
  /** Size of each dimension (frozen); `[]` for a scalar. */
  readonly shape: readonly number[];
  /** Element type. */
  readonly dtype: DType;
  /** Name of the backend that stores the data. */
  readonly backend: string;
  /** Handle of the storage on `backend`; views may share one. */
  readonly dataId: DataId;
  /** The op that produced this tensor, when gradients were recorded; null for leaves. */
  gradFn: GradNode | null = null;
  /** The gradient accumulated by `backward()` on a leaf that requires grad. */
  grad: Tensor | null = null;
  #requiresGrad = false;
  #disposed = false;

  /** Tensors are made by ops and creation functions (`tensor`, `zeros`, ...), not directly. */
  constructor(id: number, info: TensorInfo, backend: string) {
    this.id = id;
    this.shape = Object.freeze([...info.shape]);
    this.dtype = info.dtype;
    this.backend = backend;
    this.dataId = info.dataId;
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** Number of elements (the product of `shape`; 1 for a scalar). */
  get size(): number {
    return sizeOf(this.shape);
  }

  /** Whether `dispose()` has been called on this tensor. */
  get isDisposed(): boolean {
    return this.#disposed;
  }

  /** Whether gradients flow to this tensor: a leaf marked so, or the output of such a graph. */
  get requiresGrad(): boolean {
    return this.#requiresGrad || this.gradFn !== null;
  }

  /** Marks a leaf as requiring gradients. Throws `InvalidArgumentError` when unsetting a non-leaf and `DTypeError` for a non-float dtype. */
  set requiresGrad(value: boolean) {
    if (this.gradFn !== null && !value) {
      throw new InvalidArgumentError(
        'requiresGrad: only a leaf tensor can be set; call detach() to get a tensor outside the graph',
      );
    }
    if (value && this.dtype !== 'float32' && this.dtype !== 'float64') {
      throw new DTypeError(
        `requiresGrad: only float32 and float64 tensors can require gradients, this one is ${this.dtype}`,
      );
    }
    this.#requiresGrad = value;
  }

  /** Whether this tensor was created by the user rather than by a recorded op. */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** Marks a leaf as requiring gradients and returns it, as `torch.Tensor.requires_grad_` does. */
  requiresGrad_(value = true): this {
    this.requiresGrad = value;
    return this;
  }

  #assertUsable(op: string): void {
    if (this.#disposed) {
      throw new DisposedTensorError(
        `${op}: tensor #${this.id} (shape [${this.shape.join(', ')}]) was disposed`,
      );
    }
  }

  /** Reads the values back to the host. Works on every backend. */
  async data(): Promise<TypedArray> {
    this.#assertUsable('data');
    const values = await engine.backendInstance(this.backend).read(this.dataId, this.dtype);
    return values.length === this.size ? values : values.slice(0, this.size);
  }

  /** Reads the values synchronously, on backends that can. */
  dataSync(): TypedArray {
    this.#assertUsable('dataSync');
    const backend = engine.backendInstance(this.backend);
    if (!backend.readSync) {
      throw new BackendError(
        `dataSync: backend '${this.backend}' cannot read synchronously; use await t.data()`,
      );
    }
    const values = backend.readSync(this.dataId, this.dtype);
    return values.length === this.size ? values : values.slice(0, this.size);
  }

  /** Returns the value of a one-element tensor as a number (bools as 0 or 1). */
  item(): number {
    if (this.size !== 1) {
      throw new InvalidArgumentError(
        `item: only a tensor with one element can be converted to a number, this one has shape [${this.shape.join(', ')}]`,
      );
    }
    return this.dataSync()[0];
  }

  /** Returns the values as nested arrays, as `torch.Tensor.tolist` does. */
  tolist(): unknown {
    const values = Array.from(this.dataSync(), (v) => (this.dtype === 'bool' ? v !== 0 : v));
    if (this.rank === 0) return values[0];
    const build = (dim: number, offset: number, stride: number): unknown[] => {
      const n = this.shape[dim];
      const inner = stride / Math.max(n, 1);
      return Array.from({ length: n }, (_, i) =>
        dim === this.rank - 1 ? values[offset + i] : build(dim + 1, offset + i * inner, inner),
      );
    };
    return build(0, 0, this.size);
  }

  /** Formats the values, shape and dtype for printing. */
  toString(): string {
    if (this.#disposed) return `tensor(<disposed>, shape=[${this.shape.join(', ')}])`;
    return formatTensor(this);
  }

  /** Frees the storage at once (shared storage when the last view goes). Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.gradFn = null;
    engine.releaseTensor(this);
    if (this.grad) {
      this.grad.dispose();
      this.grad = null;
    }
  }

  /** Returns a tensor that shares this one's storage but is outside the graph. */
  detach(): Tensor {
    this.#assertUsable('detach');
    return engine.makeTensor(this, this.backend);
  }

  /** Copies the tensor to another backend (or returns a copy on the same one). */
  to(backend: string): Tensor {
    return ops.toBackend(this, backend);
  }

  /** Converts to `dtype`; same as `cast(this, dtype)`. */
  cast(dtype: DType): Tensor {
    return ops.cast(this, dtype);
  }

  /** Accumulates gradients into `.grad` of the leaves, as `torch.Tensor.backward`; same as `backward(this, gradOutput, options)`. */
  backward(gradOutput?: Tensor, options?: { retainGraph?: boolean; createGraph?: boolean }): void {
    ops.backward(this, gradOutput, options);
  }

  /** Adds `other` element-wise with broadcasting. */
  add(other: TensorLike): Tensor {
    return ops.add(this, other);
  }
  /** Subtracts `other` element-wise with broadcasting. */
  sub(other: TensorLike): Tensor {
    return ops.sub(this, other);
  }
  /** Multiplies by `other` element-wise with broadcasting. */
  mul(other: TensorLike): Tensor {
    return ops.mul(this, other);
  }
  /** Divides by `other` element-wise with broadcasting. */
  div(other: TensorLike): Tensor {
    return ops.div(this, other);
  }
  /** Raises to `exponent` element-wise with broadcasting. */
  pow(exponent: TensorLike): Tensor {
    return ops.pow(this, exponent);
  }
  /** Returns the element-wise maximum with `other`, broadcasting. */
  maximum(other: TensorLike): Tensor {
    return ops.maximum(this, other);
  }
  /** Returns the element-wise minimum with `other`, broadcasting. */
  minimum(other: TensorLike): Tensor {
    return ops.minimum(this, other);
  }
  /** Returns a bool tensor of `this == other`, broadcasting. */
  eq(other: TensorLike): Tensor {
    return ops.eq(this, other);
  }
  /** Returns a bool tensor of `this != other`, broadcasting. */
  ne(other: TensorLike): Tensor {
    return ops.ne(this, other);
  }
  /** Returns a bool tensor of `this < other`, broadcasting. */
  lt(other: TensorLike): Tensor {
    return ops.lt(this, other);
  }
  /** Returns a bool tensor of `this <= other`, broadcasting. */
  le(other: TensorLike): Tensor {
    return ops.le(this, other);
  }
  /** Returns a bool tensor of `this > other`, broadcasting. */
  gt(other: TensorLike): Tensor {
    return ops.gt(this, other);
  }
  /** Returns a bool tensor of `this >= other`, broadcasting. */
  ge(other: TensorLike): Tensor {
    return ops.ge(this, other);
  }
  /** Negates element-wise. */
  neg(): Tensor {
    return ops.neg(this);
  }
  /** Computes e^x element-wise. */
  exp(): Tensor {
    return ops.exp(this);
  }
  /** Computes the natural logarithm element-wise. */
  log(): Tensor {
    return ops.log(this);
  }
  /** Computes the square root element-wise. */
  sqrt(): Tensor {
    return ops.sqrt(this);
  }
  /** Computes the absolute value element-wise. */
  abs(): Tensor {
    return ops.abs(this);
  }
  /** Computes x * x element-wise. */
  square(): Tensor {
    return ops.square(this);
  }
  /** Computes the sine (radians) element-wise. */
  sin(): Tensor {
    return ops.sin(this);
  }
  /** Computes the cosine (radians) element-wise. */
  cos(): Tensor {
    return ops.cos(this);
  }
  /** Computes max(x, 0) element-wise. */
  relu(): Tensor {
    return ops.relu(this);
  }
  /** Computes 1 / (1 + e^-x) element-wise. */
  sigmoid(): Tensor {
    return ops.sigmoid(this);
  }
  /** Computes the hyperbolic tangent element-wise. */
  tanh(): Tensor {
    return ops.tanh(this);
  }
  /** Clamps into [min, max]; a null or missing bound is not applied. */
  clamp(min?: Scalar | null, max?: Scalar | null): Tensor {
    return ops.clamp(this, min, max);
  }
  /** Sums over `axis` (all axes when left out). */
  sum(axis?: number | number[] | null, keepDim = false): Tensor {
    return ops.sum(this, axis, keepDim);
  }
  /** Computes the mean over `axis` (all axes when left out). */
  mean(axis?: number | number[] | null, keepDim = false): Tensor {
    return ops.mean(this, axis, keepDim);
  }
  /** Returns the maximum over `axis` (all axes when left out), as `torch.amax`. */
  max(axis?: number | number[] | null, keepDim = false): Tensor {
    return ops.max(this, axis, keepDim);
  }
  /** Returns the minimum over `axis` (all axes when left out), as `torch.amin`. */
  min(axis?: number | number[] | null, keepDim = false): Tensor {
    return ops.min(this, axis, keepDim);
  }
  /** Returns the int32 index of the first maximum along `axis` (of the flattened tensor when left out). */
  argmax(axis?: number | null, keepDim = false): Tensor {
    return ops.argmax(this, axis, keepDim);
  }
  /** Returns the int32 index of the first minimum along `axis` (of the flattened tensor when left out). */
  argmin(axis?: number | null, keepDim = false): Tensor {
    return ops.argmin(this, axis, keepDim);
  }
  /** Computes the matrix product with `torch.matmul`'s broadcasting rules. */
  matmul(other: Tensor): Tensor {
    return ops.matmul(this, other);
  }
  /** Returns the same values with a new shape of the same size. */
  reshape(shape: readonly number[]): Tensor {
    return ops.reshape(this, shape);
  }
  /** Flattens dimensions `startDim`..`endDim` (inclusive) into one. */
  flatten(startDim = 0, endDim = -1): Tensor {
    return ops.flatten(this, startDim, endDim);
  }
  /** Reorders the dimensions: output dimension i is input dimension `dims[i]`. */
  permute(dims: readonly number[]): Tensor {
    return ops.permute(this, dims);
  }
  /** Swaps dimensions `dim0` and `dim1` (by default the last two). */
  transpose(dim0 = -2, dim1 = -1): Tensor {
    return ops.transpose(this, dim0, dim1);
  }
  /** The transpose of a 2-D tensor (a 1-D tensor is returned as is), as `torch.Tensor.t`. */
  t(): Tensor {
    return this.rank < 2 ? this : ops.transpose(this, 0, 1);
  }
  /** Broadcasts to `shape`, as `torch.Tensor.expand` (-1 keeps a size). */
  expand(shape: readonly number[]): Tensor {
    return ops.expand(this, shape);
  }
  /** Removes size-1 dimensions: all of them, or only `axis` when given. */
  squeeze(axis?: number | null): Tensor {
    return ops.squeeze(this, axis);
  }
  /** Inserts a size-1 dimension at `axis`. */
  unsqueeze(axis: number): Tensor {
    return ops.unsqueeze(this, axis);
  }
  /** Returns elements `start:end:step` along `axis`, as Python slicing. */
  slice(axis: number, start?: number | null, end?: number | null, step = 1): Tensor {
    return ops.slice(this, axis, start, end, step);
  }
  /** Returns `length` elements from `start` along `axis`, as `torch.narrow`. */
  narrow(axis: number, start: number, length: number): Tensor {
    return ops.narrow(this, axis, start, length);
  }
  /** Returns the slice at `index` along `axis`, with that dimension removed. */
  select(axis: number, index: number): Tensor {
    return ops.select(this, axis, index);
  }
  /** Splits along `axis` into chunks of one size or of the given section sizes, as `torch.split`. */
  split(splitSizeOrSections: number | readonly number[], axis = 0): Tensor[] {
    return ops.split(this, splitSizeOrSections, axis);
  }
  /** Gathers values along `axis` at the int32 `index`, as `torch.gather`. */
  gather(axis: number, index: Tensor): Tensor {
    return ops.gather(this, axis, index);
  }
  /** Selects the entries at the 1-D int32 `index` along `axis`, as `torch.index_select`. */
  indexSelect(axis: number, index: Tensor): Tensor {
    return ops.indexSelect(this, axis, index);
  }
  /** Computes softmax along `axis`. */
  softmax(axis: number): Tensor {
    return ops.softmax(this, axis);
  }
  /** Computes log(softmax(x)) along `axis`. */
  logSoftmax(axis: number): Tensor {
    return ops.logSoftmax(this, axis);
  }
  /** Computes log(sum(exp(x))) over `axis` (all axes when left out), stably. */
  logSumExp(axis?: number | number[] | null, keepDim = false): Tensor {
    return ops.logSumExp(this, axis, keepDim);
  }
  /** Returns a new tensor handle with the same values; the gradient passes through. */
  clone(): Tensor {
    return ops.clone(this);
  }
}
