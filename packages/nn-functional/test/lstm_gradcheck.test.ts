import '@metagrad/backend-cpu/register';
import { Generator, gradcheck, gradgradcheck, randn, type Tensor } from '@metagrad/core';
import { describe, expect, it } from 'vitest';
import { initLstm, type LstmOptions, lstm, lstmCell, lstmWeightNames } from '../src/index.js';

// Finite differences run the function twice per input element (the second-order check runs a
// double backward each time), which takes seconds on a loaded machine.
const TIMEOUT_MS = 60_000;

interface Config {
  label: string;
  options: LstmOptions & { inputSize: number; hiddenSize: number };
  steps: number;
  batch: number;
}

const configs: Config[] = [
  {
    label: 'bidirectional batchFirst',
    options: { inputSize: 2, hiddenSize: 2, bidirectional: true, batchFirst: true },
    steps: 3,
    batch: 2,
  },
  { label: '2 layers', options: { inputSize: 2, hiddenSize: 2, numLayers: 2 }, steps: 2, batch: 2 },
  {
    label: 'bidirectional projSize 1',
    options: { inputSize: 2, hiddenSize: 2, bidirectional: true, projSize: 1 },
    steps: 2,
    batch: 1,
  },
];

/** The inputs of a config (input, h0, c0, then the weights in flat order) and the function. */
function setup(config: Config): { inputs: Tensor[]; fn: (...xs: Tensor[]) => Tensor[] } {
  const generator = new Generator(7);
  const { options, steps, batch } = config;
  const directions = options.bidirectional ? 2 : 1;
  const layers = (options.numLayers ?? 1) * directions;
  const outSize = options.projSize || options.hiddenSize;
  const random = (shape: number[]) => randn(shape, { dtype: 'float64', generator });
  const x = random(
    options.batchFirst ? [batch, steps, options.inputSize] : [steps, batch, options.inputSize],
  );
  const h0 = random([layers, batch, outSize]);
  const c0 = random([layers, batch, options.hiddenSize]);
  const weights = initLstm({ ...options, dtype: 'float64' }, generator);
  const names = lstmWeightNames(options);
  const fn = (input: Tensor, h: Tensor, c: Tensor, ...flat: Tensor[]): Tensor[] => {
    const [output, [hN, cN]] = lstm(input, [h, c], flat, options);
    return [output, hN, cN];
  };
  return { inputs: [x, h0, c0, ...names.map((n) => weights[n])], fn: fn as never };
}

describe('lstm gradcheck', () => {
  it.each(configs.map((c) => [c.label, c] as const))(
    '%s: first order',
    (_, config) => {
      const { inputs, fn } = setup(config);
      expect(gradcheck(fn, inputs).ok).toBe(true);
    },
    TIMEOUT_MS,
  );

  it.each(configs.map((c) => [c.label, c] as const))(
    '%s: second order',
    (_, config) => {
      const { inputs, fn } = setup(config);
      expect(gradgradcheck(fn, inputs).ok).toBe(true);
    },
    TIMEOUT_MS,
  );
});

describe('lstmCell gradcheck', () => {
  const generator = new Generator(3);
  const random = (shape: number[]) => randn(shape, { dtype: 'float64', generator });
  const inputs = [random([2, 3]), random([2, 2]), random([2, 2]), random([8, 3]), random([8, 2])];
  inputs.push(random([8]), random([8]));
  const fn = (x: Tensor, h: Tensor, c: Tensor, ...weights: Tensor[]) =>
    lstmCell(x, [h, c], weights);

  it(
    'first order',
    () => {
      expect(gradcheck(fn as never, inputs).ok).toBe(true);
    },
    TIMEOUT_MS,
  );

  it(
    'second order',
    () => {
      expect(gradgradcheck(fn as never, inputs).ok).toBe(true);
    },
    TIMEOUT_MS,
  );
});
