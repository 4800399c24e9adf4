import '@metagrad/backend-cpu/register';
import {
  autograd,
  Generator,
  gradcheck,
  gradgradcheck,
  InvalidArgumentError,
  ones,
  randn,
  type Tensor,
  tensor,
} from '@metagrad/core';
import { describe, expect, it } from 'vitest';
import { dropout } from '../src/index.js';
import { checkCase, FLOAT64_RTOL, nnCases } from './nn_fixtures.js';

describe('dropout', () => {
  describe('matches PyTorch in eval mode', () => {
    for (const c of nnCases('dropout')) {
      it(c.name, () =>
        checkCase(
          c,
          ([x], c) => dropout(x, c.attrs as { p: number; training: boolean }),
          'float64',
          FLOAT64_RTOL,
        ),
      );
    }
  });

  it('zeroes about p of the elements and scales the rest by 1/(1-p)', () => {
    const x = ones([100, 100], { dtype: 'float64' });
    const y = dropout(x, { p: 0.3, generator: new Generator(1) });
    const values = Array.from(y.dataSync());
    const nonZero = values.filter((v) => v !== 0);
    expect(nonZero.every((v) => v === 1 / 0.7)).toBe(true);
    // 10 000 Bernoulli(0.7) draws: the count of kept elements has standard deviation about 46.
    expect(Math.abs(nonZero.length - 7000)).toBeLessThan(250);
  });

  it('repeats the mask for a seed and passes the gradient through the mask', () => {
    const x = ones([4, 6], { dtype: 'float64' }).requiresGrad_();
    const a = dropout(x, { p: 0.5, generator: new Generator(9) });
    const b = dropout(x, { p: 0.5, generator: new Generator(9) });
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    const [g] = autograd.grad(a.sum(), [x]);
    expect(Array.from(g!.dataSync())).toEqual(Array.from(a.dataSync()));
  });

  it('passes gradcheck and gradgradcheck with a fixed mask', () => {
    const x = randn([3, 4], { dtype: 'float64', generator: new Generator(2) });
    // A new generator per call gives every evaluation the same mask.
    const fn = (t: Tensor) => dropout(t, { p: 0.4, generator: new Generator(3) }).square();
    expect(gradcheck(fn, [x]).ok).toBe(true);
    expect(gradgradcheck(fn, [x]).ok).toBe(true);
  });

  it('multiplies by zero at p = 1, so NaN stays NaN', () => {
    const y = dropout(tensor([1, Number.NaN]), { p: 1 });
    expect(y.dataSync()[0]).toBe(0);
    expect(Number.isNaN(y.dataSync()[1])).toBe(true);
  });

  it('returns the input unchanged in eval mode and at p = 0', () => {
    const x = ones([3]);
    expect(dropout(x, { training: false })).toBe(x);
    expect(dropout(x, { p: 0 })).toBe(x);
  });

  it('rejects p outside [0, 1]', () => {
    expect(() => dropout(ones([3]), { p: 1.2 })).toThrow(
      new InvalidArgumentError('dropout: p must be a probability in [0, 1], got 1.2'),
    );
    expect(() => dropout(ones([3], { dtype: 'int32' }))).toThrow(/input has dtype int32/);
  });
});
