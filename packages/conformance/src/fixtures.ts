import { readFileSync } from 'node:fs';
import { type DType, fromTypedArray, type Tensor, type TypedArray } from '@metagrad/core';
import type { HostTensor } from './compare.js';

/** A tensor as the fixture generators write it: flat row-major data, non-finite values as strings. */
export interface FixtureTensor {
  shape: number[];
  dtype: 'float64' | 'int32' | 'bool';
  data: (number | boolean | 'nan' | 'inf' | '-inf')[];
}

/** Floating-point precision a case runs in. */
export type FloatDType = 'float32' | 'float64';

// Both src/ (tests) and dist/ (the published build) sit one level below the package root,
// where scripts/copy-fixtures.mjs puts the fixture files.
const FIXTURES_DIR = new URL('../fixtures/', import.meta.url);

const cache = new Map<string, unknown>();

/** Reads and parses one of the package's fixture files, once per process. */
export function loadFixture<T>(file: string): T {
  if (!cache.has(file)) {
    const url = new URL(file, FIXTURES_DIR);
    let text: string;
    try {
      text = readFileSync(url, 'utf8');
    } catch (error) {
      throw new Error(
        `conformance: fixture file ${url.pathname} not found; in the repository, run ` +
          `'node scripts/copy-fixtures.mjs' in packages/conformance (the build and test scripts do)`,
        { cause: error },
      );
    }
    cache.set(file, JSON.parse(text));
  }
  return cache.get(file) as T;
}

/** Decodes fixture values to numbers: NaN and infinities from their strings, bools as 0 and 1. */
export function decodeValues(t: FixtureTensor): number[] {
  return t.data.map((v) => {
    if (v === 'nan') return Number.NaN;
    if (v === 'inf') return Number.POSITIVE_INFINITY;
    if (v === '-inf') return Number.NEGATIVE_INFINITY;
    return Number(v);
  });
}

/** Returns the fixture tensor as host values, the form that comparisons take. */
export function fixtureToHost(t: FixtureTensor): HostTensor {
  return { shape: [...t.shape], dtype: t.dtype, values: decodeValues(t) };
}

/** Allocates a typed array of `dtype` holding `values`. */
export function typedArrayOf(values: ArrayLike<number>, dtype: DType): TypedArray {
  if (dtype === 'float64') return Float64Array.from(values);
  if (dtype === 'float32') return Float32Array.from(values);
  if (dtype === 'int32') return Int32Array.from(values);
  return Uint8Array.from(values);
}

/**
 * Creates a tensor from a fixture tensor on `backend`. Floating-point data becomes `floatDType`
 * (float64 keeps PyTorch's values exactly, float32 rounds them); int32 and bool are kept.
 */
export function fixtureToTensor(t: FixtureTensor, floatDType: FloatDType, backend: string): Tensor {
  const dtype: DType = t.dtype === 'float64' ? floatDType : t.dtype;
  return fromTypedArray(typedArrayOf(decodeValues(t), dtype), t.shape, dtype, { backend });
}

/** Whether a JSON value is a fixture tensor (a leaf of a fixture pytree). */
export function isFixtureTensor(value: unknown): value is FixtureTensor {
  return value !== null && typeof value === 'object' && 'shape' in value && 'data' in value;
}

/** Decodes every fixture tensor of a nested record or array, keeping the structure. */
export function fixtureTreeToTensors(tree: unknown, floatDType: FloatDType, backend: string): any {
  if (isFixtureTensor(tree)) return fixtureToTensor(tree, floatDType, backend);
  if (Array.isArray(tree))
    return tree.map((item) => fixtureTreeToTensors(item, floatDType, backend));
  if (tree !== null && typeof tree === 'object') {
    return Object.fromEntries(
      Object.entries(tree).map(([k, v]) => [k, fixtureTreeToTensors(v, floatDType, backend)]),
    );
  }
  return tree;
}
