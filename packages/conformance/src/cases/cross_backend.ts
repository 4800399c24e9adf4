import { fromTypedArray, isFloating, type Tensor, type TypedArray } from '@metagrad/core';
import { REFERENCE_BACKEND } from '../backend.js';
import { type Comparison, compareTensors, type HostTensor, type Tolerance } from '../compare.js';
import { type Computed, evaluate, type HostResults } from '../evaluate.js';
import { crossBackendTolerance } from '../tolerances.js';
import type { CaseOutcome, ConformanceCase } from '../types.js';
import { crossBackendSpecs, oversizeSpecs } from './cross_backend_specs.js';
import { differentiate } from './fixture_case.js';
import { drawInput, drawNormal, type InputSpec, SeededRandom, seedFor } from './random_inputs.js';

/** A cross-backend case: an op on random inputs, run on the candidate and on the CPU backend. */
export interface CrossBackendSpec {
  op: string;
  /** Describes the shapes and options, e.g. '[7,13] + [13]'. */
  name: string;
  inputs: InputSpec[];
  call(inputs: Tensor[]): Tensor | Tensor[];
  /** Whether to compare the gradients of the float outputs too. Default true. */
  grad?: boolean;
  /** Overrides the op's cross-backend tolerance. */
  tolerance?: Tolerance;
}

/** Options of {@link crossBackendCases}. */
export interface CrossBackendOptions {
  seed?: number;
  oversizeDim?: number;
}

function asList<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/**
 * Runs `spec` on `backend`, with float inputs in `floatDType` built from the same float32
 * values. The cotangent of each float output comes from a generator seeded per output, so
 * both runs use identical cotangents.
 */
function compute(
  spec: CrossBackendSpec,
  values: TypedArray[],
  seed: number,
  backend: string,
  floatDType: 'float32' | 'float64',
): Promise<HostResults> {
  return evaluate(backend, () => {
    const inputs = values.map((v, i) => {
      const shape = spec.inputs[i].shape;
      if (!(v instanceof Float32Array)) {
        const dtype = v instanceof Int32Array ? 'int32' : 'bool';
        return fromTypedArray(v.slice(), shape, dtype, { backend });
      }
      const data = floatDType === 'float64' ? Float64Array.from(v) : v.slice();
      return fromTypedArray(data, shape, floatDType, { backend });
    });
    const wrt = spec.grad === false ? [] : inputs.filter((x) => isFloating(x.dtype));
    for (const x of wrt) x.requiresGrad = true;

    const outputs = asList(spec.call(inputs));
    const computed: Computed = {};
    outputs.forEach((o, k) => {
      computed[`output ${k}`] = o;
    });
    const differentiable = outputs.filter((o) => o.requiresGrad);
    if (wrt.length === 0 || differentiable.length === 0) return computed;

    const gradOutputs = differentiable.map((o, k) => {
      const random = new SeededRandom(seed + 1 + k);
      const values = drawNormal(o.size, random);
      const data = floatDType === 'float64' ? Float64Array.from(values) : values;
      return fromTypedArray(data, o.shape, floatDType, { backend });
    });
    const { grads } = differentiate(differentiable, wrt, gradOutputs, null);
    const indices = inputs.flatMap((x, i) => (wrt.includes(x) ? [i] : []));
    indices.forEach((i, k) => {
      computed[`grad of input ${i}`] = grads[k];
    });
    return computed;
  });
}

function zerosOf(like: HostTensor): HostTensor {
  return { shape: like.shape, dtype: 'float64', values: new Float64Array(like.values.length) };
}

/** Compares the candidate's float32 results with the CPU backend's float64 results. */
function compareResults(got: HostResults, want: HostResults, tolerance: Tolerance): Comparison[] {
  const comparisons: Comparison[] = [];
  for (const [label, reference] of Object.entries(want)) {
    const actual = got[label] ?? null;
    if (!(label in got)) {
      comparisons.push({
        label,
        passed: false,
        error: Infinity,
        ratio: Infinity,
        tolerance,
        detail: 'missing on the candidate',
      });
      continue;
    }
    if (reference === null && actual === null) continue;
    const expected = reference ?? zerosOf(actual!);
    const floating = expected.dtype === 'float64';
    const exact = { rtol: 0, atol: 0 };
    comparisons.push(
      compareTensors(
        label,
        actual,
        expected,
        floating ? 'float32' : expected.dtype,
        floating ? tolerance : exact,
      ),
    );
  }
  return comparisons;
}

async function runCrossBackend(
  spec: CrossBackendSpec,
  seed: number,
  backend: string,
): Promise<CaseOutcome> {
  const random = new SeededRandom(seed);
  const values = spec.inputs.map((input) => drawInput(input, random));
  const got = await compute(spec, values, seed, backend, 'float32');
  const want = await compute(spec, values, seed, REFERENCE_BACKEND, 'float64');
  const tolerance = spec.tolerance ?? crossBackendTolerance(spec.op);
  return { comparisons: compareResults(got, want, tolerance) };
}

/**
 * Returns the cross-backend cases: ops and layers on seeded random float32 inputs, with shapes
 * that stress a backend (size 1, primes, empty tensors, broadcast and expanded stride-0
 * dimensions, reductions of 10^6 elements). With `oversizeDim` > 0 it adds the cases beyond
 * one GPU texture. The candidate runs in float32 and the reference is the CPU backend in
 * float64 on the same values, so the comparison measures the candidate's own float32 error.
 */
export function crossBackendCases(options: CrossBackendOptions = {}): ConformanceCase[] {
  const seed = options.seed ?? 0;
  const specs = [...crossBackendSpecs(), ...oversizeSpecs(options.oversizeDim ?? 0)];
  return specs.map(
    (spec): ConformanceCase => ({
      op: spec.op,
      name: `cross-backend ${spec.name}`,
      kind: 'cross-backend',
      dtype: 'float32',
      run: (backend) => runCrossBackend(spec, seedFor(`${spec.op} ${spec.name}`, seed), backend),
    }),
  );
}
