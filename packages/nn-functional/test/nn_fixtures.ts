import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { autograd, fromTypedArray, isFloating, mul, sum, type Tensor } from '@metagrad/core';
import { expect } from 'vitest';

/** A tensor as the PyTorch fixture files store it. */
export interface FixtureTensor {
  shape: number[];
  dtype: 'float64' | 'int32' | 'bool';
  data: (number | boolean | string)[];
}

/** One case of fixtures/nn.json. */
export interface NnCase {
  name: string;
  op: string;
  attrs: Record<string, unknown>;
  inputNames: string[];
  inputs: FixtureTensor[];
  output: FixtureTensor | FixtureTensor[];
  outputsNoGrad?: Record<string, unknown>;
  gradOutputs: FixtureTensor[] | FixtureTensor;
  grads: (FixtureTensor | null)[];
  gradGradVectors: (FixtureTensor | null)[];
  gradGrads: (FixtureTensor | null)[];
}

/** Reads a JSON file from the repository's fixtures folder. */
export function readFixture<T>(file: string): T {
  const path = fileURLToPath(new URL(`../../../fixtures/${file}`, import.meta.url));
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** Returns the nn.json cases of one op. */
export function nnCases(op: string): NnCase[] {
  const cases = readFixture<{ cases: NnCase[] }>('nn.json').cases.filter((c) => c.op === op);
  if (cases.length === 0) throw new Error(`nn.json has no cases for op '${op}'`);
  return cases;
}

function decodeNumber(value: number | boolean | string): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === 'nan') return Number.NaN;
  if (value === 'inf') return Number.POSITIVE_INFINITY;
  if (value === '-inf') return Number.NEGATIVE_INFINITY;
  return value as number;
}

/** Builds a tensor from a fixture; float64 data is converted to `floatDtype`. */
export function decode(t: FixtureTensor, floatDtype: 'float32' | 'float64' = 'float64'): Tensor {
  const values = t.data.map(decodeNumber);
  if (t.dtype === 'int32') return fromTypedArray(Int32Array.from(values), t.shape, 'int32');
  if (t.dtype === 'bool') return fromTypedArray(Uint8Array.from(values), t.shape, 'bool');
  const array = floatDtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values);
  return fromTypedArray(array, t.shape, floatDtype);
}

/** Decodes every tensor leaf of a nested record of fixture tensors. */
export function decodeTree(tree: unknown, floatDtype: 'float32' | 'float64' = 'float64'): any {
  if (tree !== null && typeof tree === 'object' && 'shape' in tree && 'data' in tree) {
    return decode(tree as FixtureTensor, floatDtype);
  }
  if (Array.isArray(tree)) return tree.map((item) => decodeTree(item, floatDtype));
  if (tree !== null && typeof tree === 'object') {
    return Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, decodeTree(v, floatDtype)]));
  }
  return tree;
}

/** Computes the Euclidean norm of a list of numbers. */
function norm(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i] * values[i];
  return Math.sqrt(total);
}

/**
 * Relative error ||actual - expected|| / ||expected|| over all elements, or the absolute error
 * ||actual|| when the expected tensor is all zeros.
 */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  const diff = Array.from(actual, (v, i) => v - expected[i]);
  const scale = norm(expected);
  return scale === 0 ? norm(diff) : norm(diff) / scale;
}

/** Expects a tensor to match a fixture tensor in shape and within `rtol` relative error in norm. */
export function expectClose(
  actual: Tensor,
  expected: FixtureTensor,
  rtol: number,
  label: string,
): void {
  expect(actual.shape, `${label} shape`).toEqual(expected.shape);
  const want = expected.data.map(decodeNumber);
  const got = Array.from(actual.dataSync(), Number);
  // NaN and infinite entries must match exactly; the norm is taken over the finite ones.
  const nonFinite = (values: number[]) =>
    values.map((v) => (Number.isFinite(v) ? 'finite' : String(v)));
  expect(nonFinite(got), `${label} non-finite entries`).toEqual(nonFinite(want));
  const finiteOnly = (values: number[]) => values.map((v) => (Number.isFinite(v) ? v : 0));
  expect(relativeError(finiteOnly(got), finiteOnly(want)), label).toBeLessThanOrEqual(rtol);
}

/** A layer under test: takes the decoded inputs and the case's attributes, returns the output. */
export type CaseRunner = (inputs: Tensor[], c: NnCase, dtype: 'float32' | 'float64') => Tensor;

/**
 * Runs one nn.json case: the output, the gradient of sum(output * gradOutputs) for every float
 * input, and the gradient of sum_i sum(grads[i] * gradGradVectors[i]), each against PyTorch.
 */
export function checkCase(
  c: NnCase,
  run: CaseRunner,
  dtype: 'float32' | 'float64',
  rtol: number,
): void {
  const inputs = c.inputs.map((t) => {
    const x = decode(t, dtype);
    return isFloating(x.dtype) ? x.requiresGrad_() : x;
  });
  const output = run(inputs, c, dtype);
  expectClose(output, c.output as FixtureTensor, rtol, 'output');

  const gradOutput = decode(Array.isArray(c.gradOutputs) ? c.gradOutputs[0] : c.gradOutputs, dtype);
  const differentiable = inputs.map((x, i) => (x.requiresGrad ? i : -1)).filter((i) => i >= 0);
  const leaves = differentiable.map((i) => inputs[i]);
  const grads = autograd.grad(sum(mul(output, gradOutput)), leaves, {
    createGraph: true,
    allowUnused: true,
  });
  differentiable.forEach((inputIndex, k) => {
    const expected = c.grads[inputIndex]!;
    const g =
      grads[k] ?? fromTypedArray(new Float64Array(leaves[k].size), leaves[k].shape, 'float64');
    expectClose(g, expected, rtol, `grad of ${c.inputNames[inputIndex]}`);
  });

  const terms = differentiable
    .map((inputIndex, k) => {
      const g = grads[k];
      const v = c.gradGradVectors[inputIndex];
      return g && v ? sum(mul(g, decode(v, dtype))) : null;
    })
    .filter((t): t is Tensor => t?.requiresGrad === true);
  if (terms.length === 0) {
    differentiable.forEach((inputIndex) => {
      expectClose(zerosOf(inputs[inputIndex]), c.gradGrads[inputIndex]!, 0, 'zero gradGrad');
    });
    return;
  }
  const total = terms.reduce((a, b) => a.add(b));
  const gradGrads = autograd.grad(total, leaves, { allowUnused: true });
  differentiable.forEach((inputIndex, k) => {
    const gg = gradGrads[k] ?? zerosOf(leaves[k]);
    expectClose(gg, c.gradGrads[inputIndex]!, rtol, `gradGrad of ${c.inputNames[inputIndex]}`);
  });
}

function zerosOf(x: Tensor): Tensor {
  return fromTypedArray(new Float64Array(x.size), x.shape, 'float64');
}

/**
 * The float32 tolerance. The inputs are PyTorch's float64 values rounded to float32 (relative
 * error 6e-8), and that error is amplified by each op's conditioning and the rounding of a few
 * dozen float32 operations, against a float64 reference.
 */
export const FLOAT32_RTOL = 1e-4;
/** The float64 tolerance asked of every layer against PyTorch's float64 results. */
export const FLOAT64_RTOL = 1e-10;

/** Timeout of the slow tests (finite differences, MAML, property runs), which take about 1 s alone. */
export const SLOW_TIMEOUT_MS = 30_000;
