import '@metagrad/backend-cpu/register';
import {
  autograd,
  DTypeError,
  Generator,
  gradcheck,
  gradgradcheck,
  InvalidArgumentError,
  randn,
  ShapeError,
  tensor,
  zeros,
} from '@metagrad/core';
import { describe, expect, it } from 'vitest';
import { type Conv2dOptions, conv2d, initConv2d } from '../src/index.js';
import {
  type CaseRunner,
  checkCase,
  FLOAT32_RTOL,
  FLOAT64_RTOL,
  nnCases,
  SLOW_TIMEOUT_MS,
} from './nn_fixtures.js';

const runConv: CaseRunner = (inputs, c) => {
  const [input, weight, bias] = inputs;
  return conv2d(input, weight, bias, c.attrs as Conv2dOptions);
};

describe('conv2d', () => {
  describe('matches PyTorch in float64', () => {
    for (const c of nnCases('conv2d')) {
      it(c.name, () => checkCase(c, runConv, 'float64', FLOAT64_RTOL));
    }
  });

  describe('matches PyTorch in float32', () => {
    for (const c of nnCases('conv2d')) {
      it(c.name, () => checkCase(c, runConv, 'float32', FLOAT32_RTOL));
    }
  });

  describe('gradcheck and gradgradcheck', () => {
    const configs: [string, number[], number[], Conv2dOptions][] = [
      [
        'x=[2,2,5,4] w=[3,2,3,2] stride=[2,1] pad=1',
        [2, 2, 5, 4],
        [3, 2, 3, 2],
        { stride: [2, 1], padding: 1 },
      ],
      [
        'x=[1,4,5,5] w=[4,2,2,2] groups=2 same',
        [1, 4, 5, 5],
        [4, 2, 2, 2],
        { groups: 2, padding: 'same' },
      ],
      ['x=[2,6,6] w=[2,2,3,3] dilation=2 unbatched', [2, 6, 6], [2, 2, 3, 3], { dilation: 2 }],
    ];
    for (const [name, xShape, wShape, options] of configs) {
      it(
        name,
        () => {
          const g = new Generator(11);
          const x = randn(xShape, { dtype: 'float64', generator: g });
          const w = randn(wShape, { dtype: 'float64', generator: g });
          const b = randn([wShape[0]], { dtype: 'float64', generator: g });
          const fn = (x: typeof w, w2: typeof w, b2: typeof w) => conv2d(x, w2, b2, options);
          expect(gradcheck(fn, [x, w, b]).ok).toBe(true);
          expect(gradgradcheck(fn, [x, w, b]).ok).toBe(true);
        },
        SLOW_TIMEOUT_MS,
      );
    }
  });

  it('propagates a NaN input through a zero weight, as PyTorch', () => {
    const x = tensor(
      [
        [
          [
            [Number.NaN, 1],
            [2, 3],
          ],
        ],
      ],
      { dtype: 'float64' },
    ).requiresGrad_();
    const w = zeros([1, 1, 1, 1], { dtype: 'float64' }).requiresGrad_();
    const y = conv2d(x, w);
    expect(Array.from(y.dataSync(), Number.isNaN)).toEqual([true, false, false, false]);
    const [dx, dw] = autograd.grad(y.sum(), [x, w]);
    expect(Array.from(dx!.dataSync())).toEqual([0, 0, 0, 0]);
    expect(Number.isNaN(dw!.item())).toBe(true);
  });

  describe('validation', () => {
    const x = zeros([1, 4, 6, 6]);
    const w = zeros([2, 4, 3, 3]);
    it('rejects a weight of rank 3', () => {
      expect(() => conv2d(x, zeros([3, 3, 3]))).toThrow(
        new ShapeError(
          'conv2d: weight has shape [3, 3, 3], expected rank 4 [outChannels, inChannels/groups, kH, kW]',
        ),
      );
    });
    it('rejects an input of rank 2', () => {
      expect(() => conv2d(zeros([4, 6]), w)).toThrow(
        /conv2d: input has shape \[4, 6\], expected rank 4/,
      );
    });
    it('rejects a channel mismatch', () => {
      expect(() => conv2d(zeros([1, 3, 6, 6]), w)).toThrow(
        /conv2d: weight has shape \[2, 4, 3, 3\], expected \[outChannels, inChannels\/groups, kH, kW\] = \[>0, 3, >0, >0\]/,
      );
    });
    it('rejects groups that do not divide the channels', () => {
      expect(() => conv2d(x, zeros([3, 2, 3, 3]), null, { groups: 2 })).toThrow(
        new InvalidArgumentError(
          'conv2d: groups (2) must divide both inChannels (4) and outChannels (3)',
        ),
      );
      expect(() => conv2d(x, w, null, { groups: 0 })).toThrow(
        /groups must be an integer >= 1, got 0/,
      );
    });
    it('rejects a bias of the wrong size', () => {
      expect(() => conv2d(x, w, zeros([3]))).toThrow(
        new ShapeError('conv2d: bias has shape [3], expected [outChannels] = [2]'),
      );
    });
    it("rejects padding 'same' with stride 2", () => {
      expect(() => conv2d(x, w, null, { padding: 'same', stride: 2 })).toThrow(
        /conv2d: padding 'same' requires stride 1, got stride \[2, 2\]/,
      );
    });
    it('rejects an unknown padding string and negative padding', () => {
      expect(() => conv2d(x, w, null, { padding: 'full' as 'same' })).toThrow(/got 'full'/);
      expect(() => conv2d(x, w, null, { padding: -1 })).toThrow(
        /padding must be an integer >= 0, got -1/,
      );
    });
    it('rejects stride and dilation below 1', () => {
      expect(() => conv2d(x, w, null, { stride: [1, 0] })).toThrow(
        /stride\[1\] must be an integer >= 1, got 0/,
      );
      expect(() => conv2d(x, w, null, { dilation: 1.5 })).toThrow(
        /dilation must be an integer >= 1, got 1.5/,
      );
    });
    it('rejects a kernel larger than the padded input', () => {
      expect(() => conv2d(zeros([1, 4, 2, 6]), w)).toThrow(
        new ShapeError(
          'conv2d: the padded input is 2 x 6 but the dilated kernel spans 3 x 3; the kernel must fit inside the padded input',
        ),
      );
    });
    it('rejects mixed dtypes', () => {
      expect(() => conv2d(x, zeros([2, 4, 3, 3], { dtype: 'float64' }))).toThrow(DTypeError);
      expect(() => conv2d(zeros([1, 4, 6, 6], { dtype: 'int32' }), w)).toThrow(DTypeError);
    });
  });
});

describe('initConv2d', () => {
  it('draws within 1/sqrt(fanIn) with the layer shapes', () => {
    const { weight, bias } = initConv2d(6, 4, [3, 2], { groups: 2, generator: new Generator(1) });
    expect(weight.shape).toEqual([4, 3, 3, 2]);
    expect(bias?.shape).toEqual([4]);
    const bound = 1 / Math.sqrt(3 * 3 * 2);
    const values = [...weight.dataSync(), ...bias!.dataSync()];
    expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(bound);
    // 76 uniform draws reach beyond half the bound with overwhelming probability.
    expect(Math.max(...values.map(Math.abs))).toBeGreaterThan(bound / 2);
  });
  it('repeats for a seed and omits the bias on request', () => {
    const a = initConv2d(2, 3, 3, new Generator(5)).weight.dataSync();
    const b = initConv2d(2, 3, 3, { generator: new Generator(5), bias: false });
    expect(Array.from(b.weight.dataSync())).toEqual(Array.from(a));
    expect(b.bias).toBeUndefined();
    expect(initConv2d(2, 3, 3, { dtype: 'float64' }).weight.dtype).toBe('float64');
  });
  it('rejects groups that do not divide the channels', () => {
    expect(() => initConv2d(3, 4, 3, { groups: 2 })).toThrow(
      new InvalidArgumentError(
        'initConv2d: groups (2) must divide both inChannels (3) and outChannels (4)',
      ),
    );
    expect(() => initConv2d(3, 4, 0)).toThrow(/kernelSize must be an integer >= 1, got 0/);
  });
});
