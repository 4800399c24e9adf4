import '../src/register.js';
import { autograd, isFloating, mul, sum, type Tensor, tidy } from '@metagrad/core';
import { describe, expect, it } from 'vitest';
import {
  expectClose,
  expectEqual,
  FLOAT32_TOLERANCE,
  FLOAT64_TOLERANCE,
  type Tolerance,
} from './helpers/compare.js';
import {
  type FixtureTensor,
  fixtureToTensor,
  loadFixture,
  type OpCase,
} from './helpers/fixtures.js';
import { OPS } from './helpers/op_table.js';

const { cases } = loadFixture<{ cases: OpCase[] }>('ops.json');

function asList<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

function expectOutput(
  got: Tensor,
  want: FixtureTensor,
  dtype: 'float32' | 'float64',
  label: string,
) {
  if (want.dtype === 'float64') {
    expect(got.dtype, `${label} dtype`).toBe(dtype);
    expectClose(got, want, dtype === 'float64' ? FLOAT64_TOLERANCE : FLOAT32_TOLERANCE, label);
  } else {
    expect(got.dtype, `${label} dtype`).toBe(want.dtype);
    expectEqual(got, want, label);
  }
}

/**
 * Runs one case: the output, the first-order gradients for the case's gradOutputs and, when
 * `secondOrder` is set, the gradient of sum_i sum(grads_i * gradGradVectors_i).
 */
function runCase(c: OpCase, dtype: 'float32' | 'float64', secondOrder: boolean): void {
  const tolerance: Tolerance = dtype === 'float64' ? FLOAT64_TOLERANCE : FLOAT32_TOLERANCE;
  tidy(() => {
    const inputs = c.inputs.map((t) => fixtureToTensor(t, dtype));
    const differentiable = c.grads
      ? inputs.flatMap((x, i) => (isFloating(x.dtype) ? [i] : []))
      : [];
    for (const i of differentiable) inputs[i].requiresGrad = true;

    const outputs = asList(OPS[c.op](inputs, c.attrs));
    const expectedOutputs = asList(c.output);
    expect(outputs.length, 'number of outputs').toBe(expectedOutputs.length);
    outputs.forEach((o, k) => expectOutput(o, expectedOutputs[k], dtype, `output ${k}`));
    if (!c.grads || !c.gradOutputs) return;

    const gradOutputs = c.gradOutputs.map((t) => fixtureToTensor(t, dtype));
    const wrt = differentiable.map((i) => inputs[i]);
    const grads = autograd.grad(outputs, wrt, {
      gradOutputs,
      createGraph: secondOrder,
      allowUnused: true,
    });
    differentiable.forEach((i, k) =>
      expectClose(grads[k], c.grads![i]!, tolerance, `grad of input ${i}`),
    );
    if (!secondOrder || !c.gradGradVectors || !c.gradGrads) return;

    const terms = differentiable.flatMap((i, k) => {
      const g = grads[k];
      return g ? [sum(mul(g, fixtureToTensor(c.gradGradVectors![i]!, dtype)))] : [];
    });
    const projection = terms.reduce((p, q) => p.add(q));
    // A gradient that does not depend on the inputs (a linear op's) has no graph: its gradient is 0.
    const gradGrads = projection.requiresGrad
      ? autograd.grad(projection, wrt, { allowUnused: true })
      : wrt.map(() => null);
    differentiable.forEach((i, k) =>
      expectClose(gradGrads[k], c.gradGrads![i]!, tolerance, `gradGrad of input ${i}`),
    );
  });
}

describe('ops.json in float64', () => {
  it('has a metagrad call for every fixture op', () => {
    const missing = [...new Set(cases.map((c) => c.op))].filter((op) => !(op in OPS));
    expect(missing).toEqual([]);
  });

  for (const c of cases) {
    it(c.name, () => runCase(c, 'float64', true));
  }
});

describe('ops.json in float32', () => {
  for (const c of cases) {
    it(c.name, () => runCase(c, 'float32', false));
  }
});
