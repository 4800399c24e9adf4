import '@metagrad/backend-cpu/register';
import {
  DTypeError,
  Generator,
  gradcheck,
  gradgradcheck,
  InvalidArgumentError,
  rand,
  randn,
  ShapeError,
  type Tensor,
  tensor,
  zeros,
} from '@metagrad/core';
import { describe, expect, it } from 'vitest';
import { type CrossEntropyOptions, crossEntropy, nllLoss, softmax } from '../src/index.js';
import {
  type CaseRunner,
  checkCase,
  decode,
  type FixtureTensor,
  FLOAT32_RTOL,
  FLOAT64_RTOL,
  type NnCase,
  nnCases,
  SLOW_TIMEOUT_MS,
} from './nn_fixtures.js';

function lossOptions(c: NnCase, dtype: 'float32' | 'float64'): CrossEntropyOptions {
  const { classWeights, ...rest } = c.attrs as Record<string, unknown>;
  return {
    ...(rest as CrossEntropyOptions),
    weight: classWeights ? decode(classWeights as FixtureTensor, dtype) : null,
  };
}

const runCrossEntropy: CaseRunner = ([input, target], c, dtype) =>
  crossEntropy(input, target, lossOptions(c, dtype));
const runNll: CaseRunner = ([input, target], c, dtype) =>
  nllLoss(input, target, lossOptions(c, dtype));

for (const [op, run] of [
  ['crossEntropy', runCrossEntropy],
  ['nllLoss', runNll],
] as const) {
  describe(op, () => {
    describe('matches PyTorch in float64', () => {
      for (const c of nnCases(op)) it(c.name, () => checkCase(c, run, 'float64', FLOAT64_RTOL));
    });
    describe('matches PyTorch in float32', () => {
      for (const c of nnCases(op)) it(c.name, () => checkCase(c, run, 'float32', FLOAT32_RTOL));
    });
  });
}

describe('classification gradcheck and gradgradcheck', () => {
  const g = new Generator(3);
  const logits = randn([4, 5, 2], { dtype: 'float64', generator: g });
  const labels = tensor(
    [
      [0, 4],
      [2, -1],
      [4, 1],
      [3, 3],
    ],
    { dtype: 'int32' },
  );
  const weight = rand([5], { dtype: 'float64', generator: g }).add(0.5);
  it(
    'crossEntropy spatial, weighted, smoothed, ignoreIndex',
    () => {
      const fn = (x: Tensor) =>
        crossEntropy(x, labels, { weight, ignoreIndex: -1, labelSmoothing: 0.3 });
      expect(gradcheck(fn, [logits]).ok).toBe(true);
      expect(gradgradcheck(fn, [logits]).ok).toBe(true);
    },
    SLOW_TIMEOUT_MS,
  );
  it(
    'crossEntropy with probabilities, both inputs',
    () => {
      const x = randn([3, 4], { dtype: 'float64', generator: g });
      const p = softmax(randn([3, 4], { dtype: 'float64', generator: g }), 1);
      const fn = (x: Tensor, p: Tensor) =>
        crossEntropy(x, p, { labelSmoothing: 0.1, reduction: 'sum' });
      expect(gradcheck(fn, [x, p]).ok).toBe(true);
      expect(gradgradcheck(fn, [x, p]).ok).toBe(true);
    },
    SLOW_TIMEOUT_MS,
  );
  it(
    'nllLoss unreduced',
    () => {
      const fn = (x: Tensor) => nllLoss(x, labels, { ignoreIndex: -1, reduction: 'none' });
      expect(gradcheck(fn, [logits]).ok).toBe(true);
    },
    SLOW_TIMEOUT_MS,
  );
});

describe('classification behaviour', () => {
  it('stays finite for logits near 1000', () => {
    const x = tensor([[1000, 999, -1000]], { dtype: 'float64' });
    const loss = crossEntropy(x, tensor([1], { dtype: 'int32' }));
    expect(loss.item()).toBeCloseTo(1 + Math.log(1 + Math.exp(-1)), 12);
    expect(Array.from(softmax(x, 1).dataSync()).every(Number.isFinite)).toBe(true);
  });
  it('gives NaN for a mean over only ignored targets, as PyTorch', () => {
    const loss = crossEntropy(zeros([2, 3]), tensor([-100, -100], { dtype: 'int32' }));
    expect(Number.isNaN(loss.item())).toBe(true);
  });
});

describe('classification validation', () => {
  const x = zeros([4, 5]);
  const target = tensor([0, 1, 2, 3], { dtype: 'int32' });
  it('rejects a target out of range', () => {
    expect(() => crossEntropy(x, tensor([0, 7, 2, 3], { dtype: 'int32' }))).toThrow(
      new InvalidArgumentError(
        'crossEntropy: target 7 at flat position 1 is out of range for 5 classes (expected 0 to 4, or ignoreIndex -100)',
      ),
    );
    expect(() => nllLoss(x, tensor([0, -1, 2, 3], { dtype: 'int32' }))).toThrow(
      /target -1 at flat position 1/,
    );
  });
  it('rejects a target of the wrong shape', () => {
    expect(() => nllLoss(x, tensor([0, 1], { dtype: 'int32' }))).toThrow(
      new ShapeError(
        "nllLoss: target has shape [2], expected [4] (the input's shape [4, 5] without the class dimension 1)",
      ),
    );
    expect(() => crossEntropy(x, zeros([4, 4]))).toThrow(
      /target has shape \[4, 4\], expected the input's shape \[4, 5\]/,
    );
  });
  it('rejects a class weight of the wrong size', () => {
    expect(() => crossEntropy(x, target, { weight: zeros([4]) })).toThrow(
      new ShapeError('crossEntropy: weight has shape [4], expected [classes] = [5]'),
    );
  });
  it('rejects a bool target and mixed dtypes', () => {
    expect(() => crossEntropy(x, zeros([4, 5], { dtype: 'bool' }))).toThrow(DTypeError);
    expect(() => nllLoss(x, zeros([4]))).toThrow(
      new DTypeError('nllLoss: target has dtype float32, expected int32 class indices'),
    );
    expect(() => crossEntropy(x, zeros([4, 5], { dtype: 'float64' }))).toThrow(DTypeError);
  });
  it('rejects invalid reduction, labelSmoothing and ignoreIndex', () => {
    expect(() => crossEntropy(x, target, { reduction: 'avg' as 'mean' })).toThrow(
      /reduction must be 'mean', 'sum' or 'none', got 'avg'/,
    );
    expect(() => crossEntropy(x, target, { labelSmoothing: 1.5 })).toThrow(
      /labelSmoothing must be a number in \[0, 1\], got 1.5/,
    );
    expect(() => crossEntropy(x, zeros([4, 5]), { ignoreIndex: 1 })).toThrow(
      /ignoreIndex \(1\) applies only to int32/,
    );
  });
  it('rejects a scalar input', () => {
    expect(() => crossEntropy(zeros([]), tensor(0, { dtype: 'int32' }))).toThrow(
      /input has shape \[\], expected rank >= 1/,
    );
  });
});
