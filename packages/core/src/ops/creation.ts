import { allocateTypedArray, type DType, dtypeOfTypedArray, type TypedArray } from '../dtype.js';
import { backendInstance, getBackend, makeTensor, runKernel } from '../engine.js';
import { DTypeError, InvalidArgumentError, ShapeError } from '../errors.js';
import { type Generator, getGlobalGenerator } from '../random.js';
import { assertValidShape, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';

/** Nested arrays of numbers or booleans, as `torch.tensor` takes them. */
export type NestedArray = number | boolean | readonly NestedArray[];

/** Options shared by the tensor creation functions. */
export interface CreationOptions {
  /** Element type; each function states its default. */
  dtype?: DType;
  /** The backend to create on; the active one by default. */
  backend?: string;
  /** Whether the new leaf requires gradients (float dtypes only); false by default. */
  requiresGrad?: boolean;
}

/** Options of {@link tensor}. */
export interface TensorOptions extends CreationOptions {
  /** The shape of flat data; inferred from nested arrays when left out. */
  shape?: readonly number[];
}

/** Options of the random creation functions. */
export interface RandomOptions extends CreationOptions {
  /** Source of random numbers; the global generator by default. */
  generator?: Generator;
}

/**
 * Creates a tensor from nested arrays, a number, a flat array or a typed array. The dtype is
 * inferred as `torch.tensor` infers it (bools -> bool, integers -> int32, else float32) unless
 * given; a typed array gives its own dtype.
 */
export function tensor(
  values: NestedArray | TypedArray | readonly number[],
  options: TensorOptions = {},
): Tensor {
  let flat: ArrayLike<number | boolean>;
  let shape: number[];
  if (ArrayBuffer.isView(values)) {
    flat = values as TypedArray;
    shape = options.shape ? [...options.shape] : [(values as TypedArray).length];
  } else {
    const inferred = inferShape(values as NestedArray);
    flat = flattenNested(values as NestedArray, inferred);
    shape = options.shape ? [...options.shape] : inferred;
  }
  assertValidShape('tensor', shape);
  if (sizeOf(shape) !== flat.length) {
    throw new ShapeError(
      `tensor: ${flat.length} values do not fill shape [${shape.join(', ')}] (${sizeOf(shape)} elements)`,
    );
  }
  const dtype =
    options.dtype ??
    (ArrayBuffer.isView(values) ? dtypeOfTypedArray(values as TypedArray) : inferDType(flat));
  const storage = allocateTypedArray(dtype, flat.length);
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    storage[i] = dtype === 'int32' ? Math.trunc(Number(v)) : Number(v);
  }
  return fromTypedArray(storage, shape, dtype, options);
}

/** Wraps a typed array that the caller hands over (it must not be changed afterwards). */
export function fromTypedArray(
  storage: TypedArray,
  shape: readonly number[],
  dtype: DType,
  options: CreationOptions = {},
): Tensor {
  const backendName = options.backend ?? getBackend();
  const backend = backendInstance(backendName);
  if (dtype === 'float64' && !backend.supportsFloat64) {
    throw new DTypeError(
      `tensor: backend '${backendName}' does not support float64; use float32 or the cpu backend`,
    );
  }
  const dataId = backend.write(storage, shape, dtype);
  const out = makeTensor({ dataId, shape, dtype }, backendName);
  if (options.requiresGrad) out.requiresGrad = true;
  return out;
}

function inferShape(values: NestedArray): number[] {
  const shape: number[] = [];
  let level: NestedArray = values;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  return shape;
}

function flattenNested(values: NestedArray, shape: number[]): (number | boolean)[] {
  const out: (number | boolean)[] = [];
  const visit = (v: NestedArray, depth: number, path: string): void => {
    if (Array.isArray(v)) {
      if (depth >= shape.length || v.length !== shape[depth]) {
        throw new ShapeError(
          `tensor: nested arrays are ragged: element ${path || 'at the top'} has length ${v.length}, expected ${shape[depth] ?? 'a scalar'}`,
        );
      }
      v.forEach((item, i) => visit(item, depth + 1, `${path}[${i}]`));
    } else {
      if (depth !== shape.length) {
        throw new ShapeError(
          `tensor: nested arrays are ragged: ${path} is a scalar, expected an array`,
        );
      }
      if (typeof v !== 'number' && typeof v !== 'boolean') {
        throw new InvalidArgumentError(
          `tensor: ${path || 'value'} must be a number or boolean, got ${typeof v}`,
        );
      }
      out.push(v);
    }
  };
  visit(values, 0, '');
  return out;
}

function inferDType(flat: ArrayLike<number | boolean>): DType {
  if (flat.length === 0) return 'float32';
  let allBool = true;
  let allInt = true;
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    if (typeof v !== 'boolean') allBool = false;
    if (typeof v === 'number' && !Number.isInteger(v)) allInt = false;
  }
  if (allBool) return 'bool';
  return allInt ? 'int32' : 'float32';
}

/** Creates a tensor of `shape` filled with `value` (float32 unless `dtype` is given). */
export function full(
  shape: readonly number[],
  value: number | boolean,
  options: CreationOptions = {},
): Tensor {
  assertValidShape('full', shape);
  const dtype = options.dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32');
  const backendName = options.backend ?? getBackend();
  if (dtype === 'float64' && !backendInstance(backendName).supportsFloat64) {
    throw new DTypeError(`full: backend '${backendName}' does not support float64`);
  }
  // The Fill kernel creates the data where it lives, so a GPU backend uploads nothing.
  const out =
    backendName === getBackend()
      ? runKernel('Fill', [], { shape: [...shape], dtype, value: Number(value) }, 'full')
      : fromTypedArray(
          allocateTypedArray(dtype, sizeOf(shape)).fill(Number(value)),
          shape,
          dtype,
          options,
        );
  if (options.requiresGrad) out.requiresGrad = true;
  return out;
}

/** Creates a tensor of `shape` filled with 0 (float32 unless `dtype` is given). */
export function zeros(shape: readonly number[], options: CreationOptions = {}): Tensor {
  return full(shape, 0, options);
}

/** Creates a tensor of `shape` filled with 1 (float32 unless `dtype` is given). */
export function ones(shape: readonly number[], options: CreationOptions = {}): Tensor {
  return full(shape, 1, options);
}

/** A tensor shaped like `t`, on its backend, with its dtype unless another is given. */
export function fullLike(t: Tensor, value: number, options: CreationOptions = {}): Tensor {
  return full(t.shape, value, { dtype: t.dtype, backend: t.backend, ...options });
}

/** Creates zeros shaped like `t`, on its backend, with its dtype unless another is given. */
export function zerosLike(t: Tensor, options: CreationOptions = {}): Tensor {
  return fullLike(t, 0, options);
}

/** Creates ones shaped like `t`, on its backend, with its dtype unless another is given. */
export function onesLike(t: Tensor, options: CreationOptions = {}): Tensor {
  return fullLike(t, 1, options);
}

/**
 * Values from `start` to `end` (exclusive) by `step`, as `torch.arange`: int32 when all
 * arguments are integers, else float32. `arange(n)` counts from 0.
 */
export function arange(
  start: number,
  end?: number,
  step = 1,
  options: CreationOptions = {},
): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0 || !Number.isFinite(step)) {
    throw new InvalidArgumentError(`arange: step must be a finite non-zero number, got ${step}`);
  }
  const n = Math.max(0, Math.ceil((end - start) / step));
  const dtype = options.dtype ?? ([start, end, step].every(Number.isInteger) ? 'int32' : 'float32');
  const storage = allocateTypedArray(dtype, n);
  for (let i = 0; i < n; i++) storage[i] = start + i * step;
  return fromTypedArray(storage, [n], dtype, options);
}

/** `steps` evenly spaced values from `start` to `end` inclusive, as `torch.linspace`. */
export function linspace(
  start: number,
  end: number,
  steps: number,
  options: CreationOptions = {},
): Tensor {
  if (!Number.isInteger(steps) || steps < 0) {
    throw new InvalidArgumentError(`linspace: steps must be a non-negative integer, got ${steps}`);
  }
  const dtype = options.dtype ?? 'float32';
  const storage = allocateTypedArray(dtype, steps);
  const delta = steps > 1 ? (end - start) / (steps - 1) : 0;
  // Filled from both ends, as PyTorch does, so that the last value is exactly `end`.
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++)
    storage[i] = i < half ? start + i * delta : end - (steps - 1 - i) * delta;
  // One step gives `start`, as in PyTorch (the fill from the end above would give `end`).
  if (steps === 1) storage[0] = start;
  return fromTypedArray(storage, [steps], dtype, options);
}

/** The identity matrix of size n x m (m = n by default). */
export function eye(n: number, m = n, options: CreationOptions = {}): Tensor {
  const dtype = options.dtype ?? 'float32';
  const storage = allocateTypedArray(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) storage[i * m + i] = 1;
  return fromTypedArray(storage, [n, m], dtype, options);
}

function randomTensor(
  op: string,
  shape: readonly number[],
  options: RandomOptions,
  sample: (g: Generator) => number,
): Tensor {
  assertValidShape(op, shape);
  const dtype = options.dtype ?? 'float32';
  const generator = options.generator ?? getGlobalGenerator();
  const storage = allocateTypedArray(dtype, sizeOf(shape));
  for (let i = 0; i < storage.length; i++) storage[i] = sample(generator);
  return fromTypedArray(storage, shape, dtype, options);
}

/** Uniform samples in [0, 1). */
export function rand(shape: readonly number[], options: RandomOptions = {}): Tensor {
  return randomTensor('rand', shape, options, (g) => g.random());
}

/** Uniform samples in [low, high). */
export function uniform(
  shape: readonly number[],
  low: number,
  high: number,
  options: RandomOptions = {},
): Tensor {
  return randomTensor('uniform', shape, options, (g) => g.uniform(low, high));
}

/** Standard normal samples. */
export function randn(shape: readonly number[], options: RandomOptions = {}): Tensor {
  return randomTensor('randn', shape, options, (g) => g.normal());
}

/** Integers uniform in [low, high), int32 unless another dtype is given. */
export function randint(
  low: number,
  high: number,
  shape: readonly number[],
  options: RandomOptions = {},
): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new InvalidArgumentError(
      `randint: expected integers with low < high, got low=${low}, high=${high}`,
    );
  }
  return randomTensor('randint', shape, { dtype: 'int32', ...options }, (g) =>
    g.randint(low, high),
  );
}
