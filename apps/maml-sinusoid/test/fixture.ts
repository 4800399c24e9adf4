import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromTypedArray, type Tensor } from '@metagrad/core';

/** A tensor as the PyTorch fixture generator writes it. */
export interface FixtureTensor {
  shape: number[];
  dtype: string;
  data: (number | string | boolean)[];
}

export function readFixture<T>(name: string): T {
  const path = fileURLToPath(new URL(`../../../fixtures/${name}`, import.meta.url));
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

function decodeNumber(v: number | string | boolean): number {
  if (v === 'nan') return Number.NaN;
  if (v === 'inf') return Number.POSITIVE_INFINITY;
  if (v === '-inf') return Number.NEGATIVE_INFINITY;
  return Number(v);
}

export function toTensor(t: FixtureTensor, dtype: 'float32' | 'float64' = 'float64'): Tensor {
  const values =
    dtype === 'float64' ? new Float64Array(t.data.length) : new Float32Array(t.data.length);
  t.data.forEach((v, i) => {
    values[i] = decodeNumber(v);
  });
  return fromTypedArray(values, t.shape, dtype);
}

/** Maps every fixture tensor of a nested record to a metagrad tensor. */
export function toTree(tree: unknown, dtype: 'float32' | 'float64' = 'float64'): any {
  if (tree && typeof tree === 'object' && 'shape' in tree && 'data' in tree)
    return toTensor(tree as FixtureTensor, dtype);
  if (Array.isArray(tree)) return tree.map((t) => toTree(t, dtype));
  if (tree && typeof tree === 'object') {
    return Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, toTree(v, dtype)]));
  }
  return tree;
}

/** ||got - want|| / ||want||, with `floor` added to the denominator so exact zeros compare absolutely. */
export function relativeError(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  floor = 1e-300,
): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < want.length; i++) {
    diff += (got[i] - want[i]) ** 2;
    norm += want[i] ** 2;
  }
  return Math.sqrt(diff) / (Math.sqrt(norm) + floor);
}
