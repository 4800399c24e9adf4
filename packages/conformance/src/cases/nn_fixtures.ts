import type { Tensor } from '@metagrad/core';
import {
  type AvgPool2dOptions,
  avgPool2d,
  batchNorm,
  type Conv2dOptions,
  type CrossEntropyOptions,
  conv2d,
  crossEntropy,
  dropout,
  linear,
  lstm,
  lstmCell,
  type MaxPool2dOptions,
  maxPool2d,
  mseLoss,
  nllLoss,
  type Reduction,
} from '@metagrad/nn-functional';
import {
  type FixtureTensor,
  type FloatDType,
  fixtureToTensor,
  isFixtureTensor,
  loadFixture,
} from '../fixtures.js';
import type { ConformanceCase } from '../types.js';
import { type FixtureCallResult, runFixture } from './fixture_case.js';

/** One case of `fixtures/nn.json` (the fixture README explains each key). */
interface NnCase {
  name: string;
  op: string;
  attrs: Record<string, unknown>;
  inputNames: string[];
  inputs: FixtureTensor[];
  output: FixtureTensor | FixtureTensor[];
  outputsNoGrad?: Record<string, unknown>;
  gradOutputs: FixtureTensor[];
  grads: (FixtureTensor | null)[];
  gradGradVectors: (FixtureTensor | null)[];
  gradGrads: (FixtureTensor | null)[];
}

type LayerCall = (
  inputs: Tensor[],
  c: NnCase,
  dtype: FloatDType,
  backend: string,
) => FixtureCallResult;

/** Decodes an optional tensor attribute (class weights, running statistics) on `backend`. */
function tensorAttr(value: unknown, dtype: FloatDType, backend: string): Tensor | null {
  return isFixtureTensor(value) ? fixtureToTensor(value, dtype, backend) : null;
}

function lossOptions(c: NnCase, dtype: FloatDType, backend: string): CrossEntropyOptions {
  const { classWeights, ...rest } = c.attrs;
  return { ...(rest as CrossEntropyOptions), weight: tensorAttr(classWeights, dtype, backend) };
}

const runBatchNorm: LayerCall = ([input, weight, bias], c, dtype, backend) => {
  const a = c.attrs;
  const result = batchNorm(input, {
    runningMean: tensorAttr(a.runningMean, dtype, backend),
    runningVar: tensorAttr(a.runningVar, dtype, backend),
    weight: weight ?? null,
    bias: bias ?? null,
    training: a.training as boolean,
    momentum: a.momentum as number | null,
    eps: a.eps as number,
    numBatchesTracked: a.numBatchesTracked as number,
  });
  return {
    outputs: [result.output],
    extra: { runningMean: result.runningMean, runningVar: result.runningVar },
  };
};

const runLstm: LayerCall = (inputs, c) => {
  const { hasState, ...options } = c.attrs as Record<string, never>;
  const firstWeight = hasState ? 3 : 1;
  const state: [Tensor, Tensor] | undefined = hasState ? [inputs[1], inputs[2]] : undefined;
  const names = c.inputNames.slice(firstWeight);
  const weights = Object.fromEntries(names.map((n, i) => [n, inputs[firstWeight + i]]));
  const [output, [hN, cN]] = lstm(inputs[0], state, weights, options);
  return { outputs: [output, hN, cN] };
};

const runLstmCell: LayerCall = (inputs, c) => {
  const [x, h, state, ...weightList] = inputs;
  const names = c.inputNames.slice(3);
  const weights = Object.fromEntries(names.map((n, i) => [n, weightList[i]]));
  return { outputs: lstmCell(x, [h, state], weights as never, { bias: c.attrs.bias as boolean }) };
};

/** Every layer of nn.json, mapped to the nn-functional call that it stands for. */
const LAYERS: Record<string, LayerCall> = {
  linear: ([input, weight, bias]) => ({ outputs: [linear(input, weight, bias)] }),
  mseLoss: ([input, target], c) => ({
    outputs: [mseLoss(input, target, { reduction: c.attrs.reduction as Reduction })],
  }),
  crossEntropy: ([input, target], c, dtype, backend) => ({
    outputs: [crossEntropy(input, target, lossOptions(c, dtype, backend))],
  }),
  nllLoss: ([input, target], c, dtype, backend) => ({
    outputs: [nllLoss(input, target, lossOptions(c, dtype, backend))],
  }),
  dropout: ([input], c) => ({
    outputs: [dropout(input, c.attrs as { p: number; training: boolean })],
  }),
  conv2d: ([input, weight, bias], c) => ({
    outputs: [conv2d(input, weight, bias, c.attrs as Conv2dOptions)],
  }),
  maxPool2d: ([input], c) => ({
    outputs: [maxPool2d(input, c.attrs as unknown as MaxPool2dOptions)],
  }),
  avgPool2d: ([input], c) => ({
    outputs: [avgPool2d(input, c.attrs as unknown as AvgPool2dOptions)],
  }),
  batchNorm: runBatchNorm,
  lstm: runLstm,
  lstmCell: runLstmCell,
};

function asList<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** The running statistics that a batchNorm case expects, keyed like the call's `extra`. */
function extraExpected(c: NnCase): Record<string, FixtureTensor | null> | undefined {
  if (c.op !== 'batchNorm' || !c.outputsNoGrad) return undefined;
  const { runningMean, runningVar } = c.outputsNoGrad;
  return {
    runningMean: isFixtureTensor(runningMean) ? runningMean : null,
    runningVar: isFixtureTensor(runningVar) ? runningVar : null,
  };
}

/** Returns the cases of nn.json (layers: outputs, gradients and second-order gradients) per dtype. */
export function nnFixtureCases(dtypes: readonly FloatDType[]): ConformanceCase[] {
  const { cases } = loadFixture<{ cases: NnCase[] }>('nn.json');
  const missing = [...new Set(cases.map((c) => c.op))].filter((op) => !(op in LAYERS));
  if (missing.length > 0) {
    throw new Error(`conformance: nn.json has layers without a call: ${missing.join(', ')}`);
  }
  return dtypes.flatMap((dtype) =>
    cases.map(
      (c): ConformanceCase => ({
        op: c.op,
        name: `${c.name} ${dtype}`,
        kind: 'fixture',
        dtype,
        run: (backend) =>
          runFixture(
            {
              op: c.op,
              inputNames: c.inputNames,
              inputs: c.inputs,
              outputs: asList(c.output),
              gradOutputs: c.gradOutputs,
              grads: c.grads,
              gradGradVectors: c.gradGradVectors,
              gradGrads: c.gradGrads,
              extraExpected: extraExpected(c),
              call: (inputs, callDType, callBackend) =>
                LAYERS[c.op](inputs, c, callDType, callBackend),
            },
            dtype,
            backend,
          ),
      }),
    ),
  );
}
