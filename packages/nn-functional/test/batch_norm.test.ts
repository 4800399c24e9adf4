import '@metagrad/backend-cpu/register';
import {
  DTypeError,
  Generator,
  gradcheck,
  gradgradcheck,
  InvalidArgumentError,
  ones,
  rand,
  randn,
  ShapeError,
  type Tensor,
  zeros,
} from '@metagrad/core';
import { describe, expect, it } from 'vitest';
import { type BatchNormOptions, batchNorm } from '../src/index.js';
import {
  type CaseRunner,
  checkCase,
  decode,
  expectClose,
  type FixtureTensor,
  FLOAT32_RTOL,
  FLOAT64_RTOL,
  type NnCase,
  nnCases,
  SLOW_TIMEOUT_MS,
} from './nn_fixtures.js';

function options(inputs: Tensor[], c: NnCase, dtype: 'float32' | 'float64'): BatchNormOptions {
  const attrs = c.attrs as Record<string, unknown>;
  const stat = (name: string) => (attrs[name] ? decode(attrs[name] as FixtureTensor, dtype) : null);
  return {
    runningMean: stat('runningMean'),
    runningVar: stat('runningVar'),
    weight: inputs[1] ?? null,
    bias: inputs[2] ?? null,
    training: attrs.training as boolean,
    momentum: attrs.momentum as number | null,
    eps: attrs.eps as number,
    numBatchesTracked: attrs.numBatchesTracked as number,
  };
}

const runBatchNorm: CaseRunner = (inputs, c, dtype) =>
  batchNorm(inputs[0], options(inputs, c, dtype)).output;

describe('batchNorm', () => {
  describe('matches PyTorch in float64', () => {
    for (const c of nnCases('batchNorm')) {
      it(c.name, () => checkCase(c, runBatchNorm, 'float64', FLOAT64_RTOL));
    }
  });

  describe('matches PyTorch in float32', () => {
    for (const c of nnCases('batchNorm')) {
      it(c.name, () => checkCase(c, runBatchNorm, 'float32', FLOAT32_RTOL));
    }
  });

  describe('updates the running statistics as nn.BatchNorm', () => {
    for (const c of nnCases('batchNorm')) {
      it(c.name, () => {
        const inputs = c.inputs.map((t) => decode(t));
        const opts = options(inputs, c, 'float64');
        const result = batchNorm(inputs[0], opts);
        const expected = c.outputsNoGrad as Record<string, FixtureTensor | number | null>;
        expect(result.numBatchesTracked).toBe(expected.numBatchesTracked);
        if (expected.runningMean === null) {
          expect(result.runningMean).toBeNull();
          expect(result.runningVar).toBeNull();
          return;
        }
        expectClose(
          result.runningMean!,
          expected.runningMean as FixtureTensor,
          FLOAT64_RTOL,
          'runningMean',
        );
        expectClose(
          result.runningVar!,
          expected.runningVar as FixtureTensor,
          FLOAT64_RTOL,
          'runningVar',
        );
        // The statistics passed in are left as they were.
        expectClose(
          opts.runningMean!,
          c.attrs.runningMean as FixtureTensor,
          0,
          'input runningMean',
        );
        expect(result.runningMean!.requiresGrad).toBe(false);
      });
    }
  });

  describe('gradcheck and gradgradcheck', () => {
    const configs: [string, number[], boolean][] = [
      ['x=[3,2,2,3] training', [3, 2, 2, 3], true],
      ['x=[4,3] training', [4, 3], true],
      ['x=[2,3,4] eval', [2, 3, 4], false],
    ];
    for (const [name, shape, training] of configs) {
      it(
        name,
        () => {
          const g = new Generator(7);
          const c = shape[1];
          const x = randn(shape, { dtype: 'float64', generator: g });
          const w = rand([c], { dtype: 'float64', generator: g }).add(0.5);
          const b = randn([c], { dtype: 'float64', generator: g });
          const runningMean = randn([c], { dtype: 'float64', generator: g });
          const runningVar = rand([c], { dtype: 'float64', generator: g }).add(0.5);
          const fn = (x: Tensor, weight: Tensor, bias: Tensor) =>
            batchNorm(x, { weight, bias, training, runningMean, runningVar }).output;
          expect(gradcheck(fn, [x, w, b]).ok).toBe(true);
          expect(gradgradcheck(fn, [x, w, b]).ok).toBe(true);
        },
        SLOW_TIMEOUT_MS,
      );
    }
  });

  describe('validation', () => {
    const x = zeros([4, 3, 2]);
    it('rejects one value per channel in training', () => {
      expect(() => batchNorm(zeros([1, 3]), { training: true })).toThrow(
        new ShapeError(
          'batchNorm: input has shape [1, 3], expected more than 1 value per channel in training mode',
        ),
      );
      expect(
        batchNorm(zeros([1, 3]), { runningMean: zeros([3]), runningVar: ones([3]) }).output.shape,
      ).toEqual([1, 3]);
    });
    it('rejects a weight of the wrong size', () => {
      expect(() => batchNorm(x, { training: true, weight: zeros([4]) })).toThrow(
        new ShapeError('batchNorm: weight has shape [4], expected [numFeatures] = [3]'),
      );
    });
    it('rejects running statistics of the wrong size', () => {
      expect(() => batchNorm(x, { runningMean: zeros([3, 1]), runningVar: ones([3]) })).toThrow(
        /batchNorm: runningMean has shape \[3, 1\], expected \[numFeatures\] = \[3\]/,
      );
    });
    it('rejects eval mode without running statistics', () => {
      expect(() => batchNorm(x)).toThrow(
        /eval mode \(training false\) normalizes with runningMean and runningVar/,
      );
    });
    it('rejects a running mean without a running variance', () => {
      expect(() => batchNorm(x, { training: true, runningMean: zeros([3]) })).toThrow(
        new InvalidArgumentError(
          'batchNorm: runningMean and runningVar must be given together, got only runningMean',
        ),
      );
    });
    it('rejects an input of rank 1 and a mismatched dtype', () => {
      expect(() => batchNorm(zeros([3]), { training: true })).toThrow(
        /input has shape \[3\], expected rank >= 2/,
      );
      expect(() =>
        batchNorm(x, { training: true, bias: zeros([3], { dtype: 'float64' }) }),
      ).toThrow(DTypeError);
    });
    it('rejects invalid eps, momentum and numBatchesTracked', () => {
      expect(() => batchNorm(x, { training: true, eps: -1 })).toThrow(
        /eps must be a finite number >= 0, got -1/,
      );
      expect(() => batchNorm(x, { training: true, momentum: Number.NaN })).toThrow(
        /momentum must be a finite number or null/,
      );
      expect(() => batchNorm(x, { training: true, numBatchesTracked: -1 })).toThrow(
        /numBatchesTracked must be an integer >= 0, got -1/,
      );
    });
  });
});
