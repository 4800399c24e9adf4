import '@metagrad/backend-cpu/register';
import {
  DTypeError,
  Generator,
  gradcheck,
  gradgradcheck,
  InvalidArgumentError,
  randn,
  ShapeError,
  zeros,
} from '@metagrad/core';
import { describe, expect, it } from 'vitest';
import {
  type AvgPool2dOptions,
  avgPool2d,
  type MaxPool2dOptions,
  maxPool2d,
} from '../src/index.js';
import {
  type CaseRunner,
  checkCase,
  FLOAT32_RTOL,
  FLOAT64_RTOL,
  nnCases,
  SLOW_TIMEOUT_MS,
} from './nn_fixtures.js';

const runMax: CaseRunner = ([input], c) => maxPool2d(input, c.attrs as unknown as MaxPool2dOptions);
const runAvg: CaseRunner = ([input], c) => avgPool2d(input, c.attrs as unknown as AvgPool2dOptions);

for (const [op, run] of [
  ['maxPool2d', runMax],
  ['avgPool2d', runAvg],
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

describe('pooling gradcheck and gradgradcheck', () => {
  // Random normal inputs have no ties, so max pooling is differentiable at them.
  const x = () => randn([2, 2, 5, 6], { dtype: 'float64', generator: new Generator(4) });
  it(
    'maxPool2d kernel=3 stride=2 pad=1 dilation=[1,2] ceil',
    () => {
      const fn = (t: ReturnType<typeof x>) =>
        maxPool2d(t, { kernelSize: 3, stride: 2, padding: 1, dilation: [1, 2], ceilMode: true });
      expect(gradcheck(fn, [x()]).ok).toBe(true);
      expect(gradgradcheck(fn, [x()]).ok).toBe(true);
    },
    SLOW_TIMEOUT_MS,
  );
  it(
    'avgPool2d kernel=[3,2] stride=2 pad=1 ceil countIncludePad=false',
    () => {
      const fn = (t: ReturnType<typeof x>) =>
        avgPool2d(t, {
          kernelSize: [3, 2],
          stride: 2,
          padding: 1,
          ceilMode: true,
          countIncludePad: false,
        });
      expect(gradcheck(fn, [x()]).ok).toBe(true);
      expect(gradgradcheck(fn, [x()]).ok).toBe(true);
    },
    SLOW_TIMEOUT_MS,
  );
});

describe('pooling validation', () => {
  const x = zeros([1, 2, 5, 5]);
  it('rejects an input of rank 2', () => {
    expect(() => maxPool2d(zeros([5, 5]), { kernelSize: 2 })).toThrow(
      new ShapeError(
        'maxPool2d: input has shape [5, 5], expected rank 4 [batch, channels, H, W] or rank 3 [channels, H, W]',
      ),
    );
  });
  it('rejects a zero-size spatial dimension', () => {
    expect(() => avgPool2d(zeros([1, 2, 0, 5]), { kernelSize: 1 })).toThrow(
      /non-zero channel, height and width/,
    );
  });
  it('rejects padding above half the kernel', () => {
    expect(() => avgPool2d(x, { kernelSize: 3, padding: 2 })).toThrow(
      new InvalidArgumentError(
        'avgPool2d: padding [2, 2] must be at most half of kernelSize [3, 3] (rounded down)',
      ),
    );
  });
  it('rejects a kernel larger than the input', () => {
    expect(() => maxPool2d(x, { kernelSize: 6 })).toThrow(
      /maxPool2d: input of shape \[1, 2, 5, 5\] is too small/,
    );
  });
  it('rejects a missing or zero kernel size and a zero stride', () => {
    expect(() => maxPool2d(x, {} as MaxPool2dOptions)).toThrow(
      /kernelSize must be an integer or a \[height, width\] pair, got undefined/,
    );
    expect(() => maxPool2d(x, { kernelSize: [2, 0] })).toThrow(
      /kernelSize\[1\] must be an integer >= 1, got 0/,
    );
    expect(() => avgPool2d(x, { kernelSize: 2, stride: 0 })).toThrow(
      /stride must be an integer >= 1, got 0/,
    );
  });
  it('rejects a dilated window that covers only padding', () => {
    expect(() =>
      maxPool2d(zeros([1, 1, 1, 4]), { kernelSize: 2, padding: 1, dilation: 2 }),
    ).toThrow(/maxPool2d: the window at output row 0 covers only padding/);
  });
  it('rejects an int32 input and non-boolean flags', () => {
    expect(() => maxPool2d(zeros([1, 1, 2, 2], { dtype: 'int32' }), { kernelSize: 2 })).toThrow(
      DTypeError,
    );
    expect(() => avgPool2d(x, { kernelSize: 2, ceilMode: 1 as unknown as boolean })).toThrow(
      /ceilMode must be true or false, got 1/,
    );
  });
});
