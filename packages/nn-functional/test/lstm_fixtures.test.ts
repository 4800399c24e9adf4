import '@metagrad/backend-cpu/register';
import { autograd, mul, sum, type Tensor, tidy, zerosLike } from '@metagrad/core';
import { describe, expect, it } from 'vitest';
import { lstm, lstmCell, lstmWeightNames } from '../src/index.js';
import {
  decodeFloat,
  expectRelativeClose,
  type JsonTensor,
  readFixtureJson,
} from './lstm_helpers.js';

interface LayerCase {
  name: string;
  op: string;
  attrs: Record<string, number | boolean>;
  inputNames: string[];
  inputs: JsonTensor[];
  output: JsonTensor[];
  gradOutputs: JsonTensor[];
  grads: JsonTensor[];
  gradGradVectors: JsonTensor[];
  gradGrads: JsonTensor[];
}

const cases = readFixtureJson<{ cases: LayerCase[] }>('nn.json').cases;
const lstmCases = cases.filter((c) => c.op === 'lstm');
const cellCases = cases.filter((c) => c.op === 'lstmCell');

// float64 agrees with PyTorch's float64 up to rounding order (worst relative error seen: 1e-15).
// float32 results are compared with the float64 reference; the worst seen is 4.2e-7, from
// rounding that accumulates over the steps and the double backward.
const FLOAT64_RTOL = 1e-10;
const FLOAT32_RTOL = 1e-5;

type Layer = (inputs: Tensor[]) => Tensor[];

/** Returns the lstm call of a case. With `flat`, it passes the weights as an array, not by name. */
function lstmOf(c: LayerCase, flat: boolean): Layer {
  const { hasState, dropout, ...options } = c.attrs as Record<string, never>;
  const firstWeight = hasState ? 3 : 1;
  return (inputs) => {
    const state: [Tensor, Tensor] | undefined = hasState ? [inputs[1], inputs[2]] : undefined;
    const weightList = inputs.slice(firstWeight);
    const names = c.inputNames.slice(firstWeight);
    const weights = flat ? weightList : Object.fromEntries(names.map((n, i) => [n, weightList[i]]));
    const [output, [hN, cN]] = lstm(inputs[0], state, weights, { ...options, dropout });
    return [output, hN, cN];
  };
}

function lstmCellOf(c: LayerCase, flat: boolean): Layer {
  return (inputs) => {
    const [x, h, state, ...weightList] = inputs;
    const names = c.inputNames.slice(3);
    const weights = flat ? weightList : Object.fromEntries(names.map((n, i) => [n, weightList[i]]));
    return lstmCell(x, [h, state], weights as never, { bias: c.attrs.bias as boolean });
  };
}

/** Checks outputs, gradients and gradients of gradients of `layer` against the case. */
function checkCase(c: LayerCase, layer: Layer, dtype: 'float32' | 'float64', rtol: number): void {
  tidy(() => {
    const inputs = c.inputs.map((t) => decodeFloat(t, dtype).requiresGrad_());
    const outputs = layer(inputs);
    expect(outputs.length).toBe(c.output.length);
    outputs.forEach((o, k) => {
      expect(o.dtype).toBe(dtype);
      expectRelativeClose(o, c.output[k], rtol, `output ${k}`);
    });

    const gradOutputs = c.gradOutputs.map((t) => decodeFloat(t, dtype));
    const grads = autograd.grad(outputs, inputs, { gradOutputs, createGraph: true });
    grads.forEach((g, i) => {
      expectRelativeClose(g!, c.grads[i], rtol, `gradient of ${c.inputNames[i]}`);
    });

    const projection = grads
      .map((g, i) => sum(mul(g!, decodeFloat(c.gradGradVectors[i], dtype))))
      .reduce((p, q) => p.add(q));
    const gradGrads = autograd.grad([projection], inputs, { allowUnused: true });
    gradGrads.forEach((g, i) => {
      const value = g ?? zerosLike(inputs[i]);
      expectRelativeClose(
        value,
        c.gradGrads[i],
        rtol,
        `second-order gradient of ${c.inputNames[i]}`,
      );
    });
  });
}

describe('lstm against PyTorch', () => {
  it('has the fixture cases', () => {
    expect(lstmCases.length).toBe(15);
    expect(cellCases.length).toBe(3);
  });

  it.each(lstmCases.map((c) => [c.name, c] as const))('%s float64', (_, c) => {
    checkCase(c, lstmOf(c, false), 'float64', FLOAT64_RTOL);
  });

  it.each(lstmCases.map((c) => [c.name, c] as const))('%s float32 flat weights', (_, c) => {
    checkCase(c, lstmOf(c, true), 'float32', FLOAT32_RTOL);
  });

  it.each(lstmCases.map((c) => [c.name, c] as const))('%s weight names in order', (_, c) => {
    const firstWeight = c.attrs.hasState ? 3 : 1;
    const { numLayers, bidirectional, bias, projSize } = c.attrs as Record<string, never>;
    expect(lstmWeightNames({ numLayers, bidirectional, bias, projSize })).toEqual(
      c.inputNames.slice(firstWeight),
    );
  });
});

describe('lstmCell against PyTorch', () => {
  it.each(cellCases.map((c) => [c.name, c] as const))('%s float64', (_, c) => {
    checkCase(c, lstmCellOf(c, false), 'float64', FLOAT64_RTOL);
  });

  it.each(cellCases.map((c) => [c.name, c] as const))('%s float32 flat weights', (_, c) => {
    checkCase(c, lstmCellOf(c, true), 'float32', FLOAT32_RTOL);
  });
});
