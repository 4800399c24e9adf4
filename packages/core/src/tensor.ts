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
  readonly id: number;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly backend: string;
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

  get rank(): number {
    return this.shape.length;
  }

  get size(): number {
    return sizeOf(this.shape);
  }

  get isDisposed(): boolean {
    return this.#disposed;
  }

  /** Whether gradients flow to this tensor: a leaf marked so, or the output of such a graph. */
  get requiresGrad(): boolean {
    return this.#requiresGrad || this.gradFn !== null;
  }

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

  cast(dtype: DType): Tensor {
    return ops.cast(this, dtype);
  }

  backward(gradOutput?: Tensor, options?: { retainGraph?: boolean; createGraph?: boolean }): void {
    ops.backward(this, gradOutput, options);
  }

  add(other: TensorLike): Tensor {
    return ops.add(this, other);
  }
  sub(other: TensorLike): Tensor {
    return ops.sub(this, other);
  }
  mul(other: TensorLike): Tensor {
    return ops.mul(this, other);
  }
  div(other: TensorLike): Tensor {
    return ops.div(this, other);
  }
  pow(exponent: TensorLike): Tensor {
    return ops.pow(this, exponent);
  }
  maximum(other: TensorLike): Tensor {
    return ops.maximum(this, other);
  }
  minimum(other: TensorLike): Tensor {
    return ops.minimum(this, other);
  }
  eq(other: TensorLike): Tensor {
    return ops.eq(this, other);
  }
  ne(other: TensorLike): Tensor {
    return ops.ne(this, other);
  }
  lt(other: TensorLike): Tensor {
    return ops.lt(this, other);
  }
  le(other: TensorLike): Tensor {
    return ops.le(this, other);
  }
  gt(other: TensorLike): Tensor {
    return ops.gt(this, other);
  }
  ge(other: TensorLike): Tensor {
    return ops.ge(this, other);
  }
  neg(): Tensor {
    return ops.neg(this);
  }
  exp(): Tensor {
    return ops.exp(this);
  }
  log(): Tensor {
    return ops.log(this);
  }
  sqrt(): Tensor {
    return ops.sqrt(this);
  }
  abs(): Tensor {
    return ops.abs(this);
  }
  square(): Tensor {
    return ops.square(this);
  }
  sin(): Tensor {
    return ops.sin(this);
  }
  cos(): Tensor {
    return ops.cos(this);
  }
  relu(): Tensor {
    return ops.relu(this);
  }
  sigmoid(): Tensor {
    return ops.sigmoid(this);
  }
  tanh(): Tensor {
    return ops.tanh(this);
  }
  clamp(min?: Scalar | null, max?: Scalar | null): Tensor {
    return ops.clamp(this, min, max);
  }
  sum(axis?: number | number[] | null, keepDim = false): Tensor {
    return ops.sum(this, axis, keepDim);
  }
  mean(axis?: number | number[] | null, keepDim = false): Tensor {
    return ops.mean(this, axis, keepDim);
  }
  max(axis?: number | number[] | null, keepDim = false): Tensor {
    return ops.max(this, axis, keepDim);
  }
  min(axis?: number | number[] | null, keepDim = false): Tensor {
    return ops.min(this, axis, keepDim);
  }
  argmax(axis?: number | null, keepDim = false): Tensor {
    return ops.argmax(this, axis, keepDim);
  }
  argmin(axis?: number | null, keepDim = false): Tensor {
    return ops.argmin(this, axis, keepDim);
  }
  matmul(other: Tensor): Tensor {
    return ops.matmul(this, other);
  }
  reshape(shape: readonly number[]): Tensor {
    return ops.reshape(this, shape);
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return ops.flatten(this, startDim, endDim);
  }
  permute(dims: readonly number[]): Tensor {
    return ops.permute(this, dims);
  }
  transpose(dim0 = -2, dim1 = -1): Tensor {
    return ops.transpose(this, dim0, dim1);
  }
  /** The transpose of a 2-D tensor (a 1-D tensor is returned as is), as `torch.Tensor.t`. */
  t(): Tensor {
    return this.rank < 2 ? this : ops.transpose(this, 0, 1);
  }
  expand(shape: readonly number[]): Tensor {
    return ops.expand(this, shape);
  }
  squeeze(axis?: number | null): Tensor {
    return ops.squeeze(this, axis);
  }
  unsqueeze(axis: number): Tensor {
    return ops.unsqueeze(this, axis);
  }
  slice(axis: number, start?: number | null, end?: number | null, step = 1): Tensor {
    return ops.slice(this, axis, start, end, step);
  }
  narrow(axis: number, start: number, length: number): Tensor {
    return ops.narrow(this, axis, start, length);
  }
  select(axis: number, index: number): Tensor {
    return ops.select(this, axis, index);
  }
  split(splitSizeOrSections: number | readonly number[], axis = 0): Tensor[] {
    return ops.split(this, splitSizeOrSections, axis);
  }
  gather(axis: number, index: Tensor): Tensor {
    return ops.gather(this, axis, index);
  }
  indexSelect(axis: number, index: Tensor): Tensor {
    return ops.indexSelect(this, axis, index);
  }
  softmax(axis: number): Tensor {
    return ops.softmax(this, axis);
  }
  logSoftmax(axis: number): Tensor {
    return ops.logSoftmax(this, axis);
  }
  logSumExp(axis?: number | number[] | null, keepDim = false): Tensor {
    return ops.logSumExp(this, axis, keepDim);
  }
  clone(): Tensor {
    return ops.clone(this);
  }
}
