import { readFileSync } from 'node:fs';
import { type DType, type Tensor, tensor } from '@metagrad/core';

/** A tensor as the fixture generators write it: flat row-major data, non-finite values as strings. */
export interface FixtureTensor {
  shape: number[];
  dtype: 'float64' | 'int32' | 'bool';
  data: (number | boolean | 'nan' | 'inf' | '-inf')[];
}

/** One case of `fixtures/ops.json` (see fixtures/README.md for the meaning of each key). */
export interface OpCase {
  name: string;
  op: string;
  attrs: Record<string, unknown>;
  inputs: FixtureTensor[];
  output: FixtureTensor | FixtureTensor[];
  gradOutputs?: FixtureTensor[];
  grads?: (FixtureTensor | null)[];
  gradGradVectors?: (FixtureTensor | null)[];
  gradGrads?: (FixtureTensor | null)[];
}

/** One case of `fixtures/promotion.json`. */
export interface PromotionCase {
  op: string;
  dtypes: DType[];
  scalar: number | null;
  resultType: DType;
  result: DType | null;
  torchResult?: string;
  error?: string;
  source?: string;
}

const FIXTURES_DIR = new URL('../../../../fixtures/', import.meta.url);

/** Reads and parses a JSON file from the repository's `fixtures/` folder. */
export function loadFixture<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(file, FIXTURES_DIR), 'utf8')) as T;
}

/** The values of a fixture tensor as numbers: NaN and infinities decoded, bools as 0 and 1. */
export function decodeValues(t: FixtureTensor): number[] {
  return t.data.map((v) => {
    if (v === 'nan') return Number.NaN;
    if (v === 'inf') return Number.POSITIVE_INFINITY;
    if (v === '-inf') return Number.NEGATIVE_INFINITY;
    return Number(v);
  });
}

/**
 * Creates a CPU tensor from a fixture tensor. Floating-point data becomes `floatDType`
 * (float64 keeps PyTorch's values exactly, float32 rounds them); int32 and bool are kept.
 */
export function fixtureToTensor(
  t: FixtureTensor,
  floatDType: 'float32' | 'float64' = 'float64',
): Tensor {
  const dtype: DType = t.dtype === 'float64' ? floatDType : t.dtype;
  return tensor(decodeValues(t), { shape: t.shape, dtype });
}
