import { Generator } from '@metagrad/core';

/**
 * A host-side array with its shape. Values are rounded to float32, so a float32 system and the
 * float64 reference start from exactly the same numbers.
 */
export interface HostTensor {
  shape: number[];
  data: Float64Array;
}

/** Class labels of a classification batch, as int32 indices. */
export interface HostLabels {
  shape: number[];
  data: Int32Array;
}

/** A pytree of host arrays keyed by PyTorch-style parameter names (`conv1.weight`, ...). */
export type HostParams = Record<string, HostTensor>;

export function sizeOfShape(shape: readonly number[]): number {
  return shape.reduce((product, d) => product * d, 1);
}

/** Draws a [shape] array uniform in [low, high), rounded to float32. */
export function uniformTensor(
  generator: Generator,
  shape: number[],
  low: number,
  high: number,
): HostTensor {
  const data = new Float64Array(sizeOfShape(shape));
  for (let i = 0; i < data.length; i++) data[i] = Math.fround(generator.uniform(low, high));
  return { shape, data };
}

/** Draws a [shape] array of standard normal samples, rounded to float32. */
export function normalTensor(generator: Generator, shape: number[]): HostTensor {
  const data = new Float64Array(sizeOfShape(shape));
  for (let i = 0; i < data.length; i++) data[i] = Math.fround(generator.normal());
  return { shape, data };
}

export function toFloat32(t: HostTensor): Float32Array {
  return Float32Array.from(t.data);
}

/**
 * Copies `t` with its axes permuted: output axis i is input axis perm[i]. Used to hand NHWC or
 * HWIO layouts to TensorFlow.js and to bring its gradients back to PyTorch's layouts.
 */
export function permute(t: HostTensor, perm: readonly number[]): HostTensor {
  const rank = t.shape.length;
  if (perm.length !== rank) {
    throw new Error(`permute: perm has ${perm.length} axes but the array has rank ${rank}`);
  }
  const shape = perm.map((axis) => t.shape[axis]);
  const inStrides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) inStrides[i] = inStrides[i + 1] * t.shape[i + 1];
  const strides = perm.map((axis) => inStrides[axis]);
  const data = new Float64Array(t.data.length);
  const index = new Array<number>(rank).fill(0);
  for (let out = 0; out < data.length; out++) {
    let source = 0;
    for (let i = 0; i < rank; i++) source += index[i] * strides[i];
    data[out] = t.data[source];
    for (let i = rank - 1; i >= 0; i--) {
      index[i]++;
      if (index[i] < shape[i]) break;
      index[i] = 0;
    }
  }
  return { shape, data };
}

/** Concatenates the parameters named in `order` into one vector (the gradient-check layout). */
export function flattenParams(params: HostParams, order: readonly string[]): Float64Array {
  const total = order.reduce((sum, name) => sum + requireParam(params, name).data.length, 0);
  const flat = new Float64Array(total);
  let offset = 0;
  for (const name of order) {
    const { data } = requireParam(params, name);
    flat.set(data, offset);
    offset += data.length;
  }
  return flat;
}

function requireParam(params: HostParams, name: string): HostTensor {
  const t = params[name];
  if (!t) {
    throw new Error(
      `flattenParams: '${name}' is missing; got ${Object.keys(params).join(', ') || 'nothing'}`,
    );
  }
  return t;
}

export { Generator };
