import { autograd, isFloating, mul, sum, type Tensor } from '@metagrad/core';
import { type Comparison, compareTensors, type Tolerance } from '../compare.js';
import { type Computed, evaluate } from '../evaluate.js';
import {
  type FixtureTensor,
  type FloatDType,
  fixtureToHost,
  fixtureToTensor,
} from '../fixtures.js';
import { fixtureTolerance } from '../tolerances.js';
import type { CaseOutcome } from '../types.js';

/** What a fixture case's call returns: its outputs, plus extra tensors compared without gradients. */
export interface FixtureCallResult {
  outputs: Tensor[];
  extra?: Record<string, Tensor | null>;
}

/** One PyTorch fixture case (an op of ops.json or a layer of nn.json) in a common form. */
export interface FixtureSpec {
  op: string;
  inputNames: string[];
  inputs: FixtureTensor[];
  outputs: FixtureTensor[];
  gradOutputs?: FixtureTensor[];
  grads?: (FixtureTensor | null)[];
  gradGradVectors?: (FixtureTensor | null)[];
  gradGrads?: (FixtureTensor | null)[];
  /** Expected values of the call's `extra` tensors (running statistics), by label. */
  extraExpected?: Record<string, FixtureTensor | null>;
  /** Runs the op or layer on decoded inputs; fixture attributes are decoded on `backend`. */
  call(inputs: Tensor[], dtype: FloatDType, backend: string): FixtureCallResult;
}

/** Gradients of sum_k sum(outputs_k * gradOutputs_k), and optionally of their projection. */
export interface Derivatives {
  grads: (Tensor | null)[];
  /** d sum_i sum(grads_i * vectors_i) / d wrt; null entries are zero. */
  gradGrads: (Tensor | null)[] | null;
}

/**
 * Differentiates `outputs` with respect to `wrt` for the cotangents `gradOutputs`, and, when
 * `vectors` is given, differentiates the projection of the gradients onto those vectors again.
 */
export function differentiate(
  outputs: Tensor[],
  wrt: Tensor[],
  gradOutputs: Tensor[],
  vectors: (Tensor | null)[] | null,
): Derivatives {
  const grads = autograd.grad(outputs, wrt, {
    gradOutputs,
    createGraph: vectors !== null,
    allowUnused: true,
  });
  if (vectors === null) return { grads, gradGrads: null };
  const terms: Tensor[] = [];
  grads.forEach((g, k) => {
    const v = vectors[k];
    if (g !== null && v !== null && g.requiresGrad) terms.push(sum(mul(g, v)));
  });
  // A gradient that does not depend on the inputs (a linear op's) has no graph: its gradient is 0.
  if (terms.length === 0) return { grads, gradGrads: wrt.map(() => null) };
  const projection = terms.reduce((p, q) => p.add(q));
  return { grads, gradGrads: autograd.grad(projection, wrt, { allowUnused: true }) };
}

const EXACT: Tolerance = { rtol: 0, atol: 0 };

/** Runs a fixture case on `backend` in `dtype` and compares everything it computes. */
export async function runFixture(
  spec: FixtureSpec,
  dtype: FloatDType,
  backend: string,
): Promise<CaseOutcome> {
  const hasGrads = spec.grads !== undefined && spec.gradOutputs !== undefined;
  const hasGradGrads =
    hasGrads && spec.gradGrads !== undefined && spec.gradGradVectors !== undefined;
  let differentiable: number[] = [];

  const results = await evaluate(backend, () => {
    const inputs = spec.inputs.map((t) => fixtureToTensor(t, dtype, backend));
    differentiable = hasGrads ? inputs.flatMap((x, i) => (isFloating(x.dtype) ? [i] : [])) : [];
    for (const i of differentiable) inputs[i].requiresGrad = true;

    const { outputs, extra } = spec.call(inputs, dtype, backend);
    const computed: Computed = { ...extra };
    outputs.forEach((o, k) => {
      computed[`output ${k}`] = o;
    });
    if (outputs.length !== spec.outputs.length) {
      throw new Error(`returned ${outputs.length} outputs, expected ${spec.outputs.length}`);
    }
    if (!hasGrads) return computed;

    const gradOutputs = spec.gradOutputs!.map((t) => fixtureToTensor(t, dtype, backend));
    const vectors = hasGradGrads
      ? differentiable.map((i) => {
          const v = spec.gradGradVectors![i];
          return v ? fixtureToTensor(v, dtype, backend) : null;
        })
      : null;
    const wrt = differentiable.map((i) => inputs[i]);
    const { grads, gradGrads } = differentiate(outputs, wrt, gradOutputs, vectors);
    differentiable.forEach((i, k) => {
      computed[`grad of ${spec.inputNames[i]}`] = grads[k];
      if (gradGrads) computed[`gradGrad of ${spec.inputNames[i]}`] = gradGrads[k];
    });
    return computed;
  });

  const tolerance = fixtureTolerance(spec.op, dtype);
  const comparisons: Comparison[] = [];
  const compare = (label: string, want: FixtureTensor) => {
    const floating = want.dtype === 'float64';
    comparisons.push(
      compareTensors(
        label,
        results[label] ?? null,
        fixtureToHost(want),
        floating ? dtype : want.dtype,
        floating ? tolerance : EXACT,
      ),
    );
  };
  spec.outputs.forEach((want, k) => compare(`output ${k}`, want));
  for (const [label, want] of Object.entries(spec.extraExpected ?? {})) {
    if (want === null) {
      if (results[label] !== null) throw new Error(`${label} is a tensor, expected null`);
    } else compare(label, want);
  }
  for (const i of differentiable) {
    compare(`grad of ${spec.inputNames[i]}`, spec.grads![i]!);
    if (hasGradGrads) compare(`gradGrad of ${spec.inputNames[i]}`, spec.gradGrads![i]!);
  }
  return { comparisons };
}
