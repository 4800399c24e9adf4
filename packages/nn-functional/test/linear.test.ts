import '@metagrad/backend-cpu/register';
import {
  DTypeError,
  Generator,
  gradcheck,
  gradgradcheck,
  matmul,
  randn,
  ShapeError,
  type Tensor,
  zeros,
} from '@metagrad/core';
import { describe, expect, it } from 'vitest';
import { linear } from '../src/index.js';

describe('linear', () => {
  const generator = new Generator(7);
  const weight = randn([4, 3], { dtype: 'float64', generator });
  const bias = randn([4], { dtype: 'float64', generator });

  it('matches x W^T + b on 3-D input', () => {
    const x = randn([2, 5, 3], { dtype: 'float64', generator });
    const out = linear(x, weight, bias);
    expect(out.shape).toEqual([2, 5, 4]);
    const expected = matmul(x, weight.transpose(0, 1)).add(bias);
    const difference = out.sub(expected).abs().max().item();
    expect(difference).toBe(0);
  });

  it('keeps 1-D and empty inputs', () => {
    expect(linear(randn([3], { dtype: 'float64', generator }), weight).shape).toEqual([4]);
    expect(linear(zeros([0, 3], { dtype: 'float64' }), weight, bias).shape).toEqual([0, 4]);
  });

  it('gradients of first and second order', () => {
    const x = randn([2, 2, 3], { dtype: 'float64', generator });
    const f = (a: Tensor, w: Tensor, b: Tensor) => linear(a, w, b).square();
    expect(gradcheck(f, [x, weight, bias]).ok).toBe(true);
    expect(gradgradcheck(f, [x, weight, bias]).ok).toBe(true);
  });

  it('rejects mixed dtypes and bad shapes', () => {
    const x32 = randn([2, 3], { generator });
    expect(() => linear(x32, weight)).toThrow(DTypeError);
    expect(() => linear(x32, weight)).toThrow(
      "linear: weight has dtype float64, expected the input's dtype float32",
    );
    expect(() => linear(randn([2, 5], { dtype: 'float64', generator }), weight)).toThrow(
      ShapeError,
    );
  });
});
