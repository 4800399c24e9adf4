import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromTypedArray, type Tensor } from '@metagrad/core';
import { expect } from 'vitest';

/** A tensor as the PyTorch fixture files store it (float64 data, row-major). */
export interface JsonTensor {
  shape: number[];
  dtype: string;
  data: (number | string)[];
}

/** Reads a file of the repository's fixtures folder. */
export function readFixtureBytes(file: string): Buffer {
  return readFileSync(fileURLToPath(new URL(`../../../fixtures/${file}`, import.meta.url)));
}

export function readFixtureJson<T>(file: string): T {
  return JSON.parse(readFixtureBytes(file).toString('utf8')) as T;
}

function decodeNumber(value: number | string): number {
  if (value === 'nan') return Number.NaN;
  if (value === 'inf') return Number.POSITIVE_INFINITY;
  if (value === '-inf') return Number.NEGATIVE_INFINITY;
  return value as number;
}

/** Builds a float tensor from a fixture tensor. */
export function decodeFloat(t: JsonTensor, dtype: 'float32' | 'float64' = 'float64'): Tensor {
  const values = t.data.map(decodeNumber);
  const array = dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values);
  return fromTypedArray(array, t.shape, dtype);
}

/** Euclidean norm of the difference of two value arrays, and the norm of `expected`. */
function norms(actual: ArrayLike<number>, expected: ArrayLike<number>): [number, number] {
  let difference = 0;
  let reference = 0;
  for (let i = 0; i < expected.length; i++) {
    difference += (actual[i] - expected[i]) ** 2;
    reference += expected[i] ** 2;
  }
  return [Math.sqrt(difference), Math.sqrt(reference)];
}

/**
 * Expects `actual` to have `expected`'s shape and to match it within `rtol` relative to the
 * norm of `expected`: ||actual - expected|| <= rtol * ||expected||.
 */
export function expectRelativeClose(
  actual: Tensor,
  expected: Tensor | JsonTensor,
  rtol: number,
  label: string,
): void {
  const expectedValues =
    'data' in expected && Array.isArray(expected.data)
      ? (expected as JsonTensor).data.map(decodeNumber)
      : Array.from((expected as Tensor).dataSync());
  expect(actual.shape, `${label}: shape`).toEqual([...expected.shape]);
  const [difference, reference] = norms(actual.dataSync(), expectedValues);
  expect(
    difference,
    `${label}: ||actual - expected|| (||expected|| = ${reference})`,
  ).toBeLessThanOrEqual(rtol * reference);
}

/** Decodes every fixture tensor in nested records to a float64 tensor, keeping the structure. */
export function decodeTree(tree: unknown): unknown {
  if (tree !== null && typeof tree === 'object' && 'shape' in tree && 'data' in tree) {
    return decodeFloat(tree as JsonTensor);
  }
  if (tree !== null && typeof tree === 'object') {
    return Object.fromEntries(Object.entries(tree).map(([key, value]) => [key, decodeTree(value)]));
  }
  return tree;
}
