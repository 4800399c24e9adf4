import '../src/register.js';
import {
  add,
  arange,
  eye,
  full,
  Generator,
  InvalidArgumentError,
  linspace,
  manualSeed,
  matmul,
  ones,
  rand,
  randint,
  randn,
  reshape,
  ShapeError,
  tensor,
  zeros,
} from '@metagrad/core';
import { describe, expect, it } from 'vitest';

const values = (t: { dataSync(): ArrayLike<number> }) => Array.from(t.dataSync());

describe('tensor', () => {
  it('should infer int32 from integers', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.dtype).toBe('int32');
    expect(t.shape).toEqual([2, 3]);
    expect(values(t)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('should infer float32 from any fractional number', () => {
    const t = tensor([1, 2.5]);
    expect(t.dtype).toBe('float32');
    expect(values(t)).toEqual([1, 2.5]);
  });

  it('should infer bool from booleans', () => {
    const t = tensor([true, false]);
    expect(t.dtype).toBe('bool');
    expect(values(t)).toEqual([1, 0]);
  });

  it('should take the dtype of a typed array', () => {
    expect(tensor(new Float64Array([1, 2])).dtype).toBe('float64');
    expect(tensor(new Int32Array(6), { shape: [2, 3] }).shape).toEqual([2, 3]);
  });

  it('should make a 0-D tensor from a number', () => {
    const t = tensor(3.5);
    expect(t.shape).toEqual([]);
    expect(t.item()).toBe(3.5);
  });

  it('should make an empty float32 tensor from an empty array', () => {
    const t = tensor([]);
    expect(t.shape).toEqual([0]);
    expect(t.dtype).toBe('float32');
  });

  it('should truncate toward zero when int32 is requested', () => {
    expect(values(tensor([1.7, -1.7], { dtype: 'int32' }))).toEqual([1, -1]);
  });

  it('should reject ragged nested arrays', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(ShapeError);
    expect(() => tensor([[1, 2], [3]])).toThrow(/ragged: element \[1\] has length 1, expected 2/);
  });

  it('should reject flat data that does not fill the shape', () => {
    expect(() => tensor([1, 2, 3], { shape: [2, 2] })).toThrow(
      /3 values do not fill shape \[2, 2\] \(4 elements\)/,
    );
  });
});

describe('creation functions', () => {
  it('arange should count from 0 in int32', () => {
    const t = arange(5);
    expect(t.dtype).toBe('int32');
    expect(values(t)).toEqual([0, 1, 2, 3, 4]);
  });

  it('arange should use float32 for a fractional step', () => {
    const t = arange(1, 2, 0.25);
    expect(t.dtype).toBe('float32');
    expect(values(t)).toEqual([1, 1.25, 1.5, 1.75]);
  });

  it('arange should count down with a negative step', () => {
    expect(values(arange(5, 0, -2))).toEqual([5, 3, 1]);
    expect(values(arange(0, 5, -1))).toEqual([]);
  });

  it('arange should reject a zero step', () => {
    expect(() => arange(0, 5, 0)).toThrow(InvalidArgumentError);
  });

  it('linspace should include both ends exactly', () => {
    expect(values(linspace(0, 1, 5))).toEqual([0, 0.25, 0.5, 0.75, 1]);
    const t = linspace(0, 0.3, 4, { dtype: 'float64' });
    expect(t.dataSync()[3]).toBe(0.3);
    expect(t.dataSync()[0]).toBe(0);
    expect(values(linspace(2, 5, 1))).toEqual([2]);
    expect(linspace(2, 5, 0).shape).toEqual([0]);
  });

  it('full, zeros and ones should fill with the value and dtype', () => {
    const f = full([2, 2], 7, { dtype: 'int32' });
    expect(f.dtype).toBe('int32');
    expect(values(f)).toEqual([7, 7, 7, 7]);
    expect(full([1], true).dtype).toBe('bool');
    expect(values(zeros([3], { dtype: 'float64' }))).toEqual([0, 0, 0]);
    expect(values(ones([2]))).toEqual([1, 1]);
    expect(() => zeros([2, -1])).toThrow(
      /full: shape must contain non-negative integers, got \[2, -1\]/,
    );
  });

  it('eye should make an identity matrix', () => {
    expect(values(eye(2))).toEqual([1, 0, 0, 1]);
    const rect = eye(2, 3);
    expect(rect.shape).toEqual([2, 3]);
    expect(values(rect)).toEqual([1, 0, 0, 0, 1, 0]);
  });
});

describe('random creation', () => {
  it('rand should repeat for the same seed and stay in [0, 1)', () => {
    const a = values(rand([100], { generator: new Generator(42), dtype: 'float64' }));
    const b = values(rand([100], { generator: new Generator(42), dtype: 'float64' }));
    const c = values(rand([100], { generator: new Generator(43), dtype: 'float64' }));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a)).toBeLessThan(1);
  });

  it('randn should repeat for the same seed and look standard normal', () => {
    const a = randn([10000], { generator: new Generator(5), dtype: 'float64' });
    const b = randn([10000], { generator: new Generator(5), dtype: 'float64' });
    expect(values(a)).toEqual(values(b));
    const xs = values(a);
    const mean = xs.reduce((p, q) => p + q, 0) / xs.length;
    const variance = xs.reduce((p, q) => p + (q - mean) ** 2, 0) / xs.length;
    // The standard error of the mean of 10^4 samples is 0.01.
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(Math.sqrt(variance) - 1)).toBeLessThan(0.05);
  });

  it('randint should repeat for the same seed and cover [low, high)', () => {
    const a = randint(-2, 3, [1000], { generator: new Generator(9) });
    expect(a.dtype).toBe('int32');
    expect(values(a)).toEqual(values(randint(-2, 3, [1000], { generator: new Generator(9) })));
    expect([...new Set(values(a))].sort()).toEqual([-1, -2, 0, 1, 2].sort());
    expect(() => randint(3, 3, [1])).toThrow(/low < high/);
  });

  it('manualSeed should make the global generator repeat', () => {
    manualSeed(11);
    const a = values(rand([5]));
    manualSeed(11);
    expect(values(rand([5]))).toEqual(a);
  });

  it('should continue a stream from a saved generator state', () => {
    const gen = new Generator(1);
    randn([3], { generator: gen });
    const state = gen.getState();
    const first = values(randn([4], { generator: gen, dtype: 'float64' }));
    const restored = new Generator(99).setState(state);
    expect(values(randn([4], { generator: restored, dtype: 'float64' }))).toEqual(first);
  });
});

describe('reading tensors', () => {
  it('item should return the one value', () => {
    expect(tensor([[2.5]]).item()).toBe(2.5);
    expect(tensor([true]).item()).toBe(1);
    expect(() => tensor([1, 2]).item()).toThrow(
      /item: only a tensor with one element .* shape \[2\]/,
    );
  });

  it('tolist should return nested arrays', () => {
    expect(
      tensor([
        [1, 2],
        [3, 4],
      ]).tolist(),
    ).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(tensor([true, false]).tolist()).toEqual([true, false]);
    expect(tensor(7).tolist()).toBe(7);
    expect(zeros([2, 0, 3]).tolist()).toEqual([[], []]);
  });

  it('data should read asynchronously', async () => {
    expect(Array.from(await tensor([1, 2]).data())).toEqual([1, 2]);
  });
});

describe('toString', () => {
  it('should print a float64 matrix with its dtype', () => {
    expect(
      String(
        tensor(
          [
            [1, 2],
            [3, 4],
          ],
          { dtype: 'float64' },
        ),
      ),
    ).toBe('tensor([[1.0000, 2.0000],\n        [3.0000, 4.0000]], dtype=float64)');
  });

  it('should leave out the default float32 dtype', () => {
    expect(String(tensor([1.5, -2]))).toBe('tensor([1.5000, -2.0000])');
    expect(String(tensor(3.5))).toBe('tensor(3.5000)');
  });

  it('should separate the blocks of a 3-D tensor with a blank line', () => {
    expect(
      String(
        tensor([
          [
            [1, 2],
            [3, 4],
          ],
          [
            [5, 6],
            [7, 8],
          ],
        ]),
      ),
    ).toBe(
      'tensor([[[1, 2],\n         [3, 4]],\n\n        [[5, 6],\n         [7, 8]]], dtype=int32)',
    );
  });

  it('should print bools, non-finite values and gradient state', () => {
    expect(String(tensor([true, false]))).toBe('tensor([True, False], dtype=bool)');
    expect(String(tensor([Number.NaN, Number.NEGATIVE_INFINITY]))).toBe('tensor([nan, -inf])');
    const leaf = tensor([1.5], { requiresGrad: true });
    expect(String(leaf)).toBe('tensor([1.5000], requiresGrad=true)');
    expect(String(leaf.mul(2))).toBe('tensor([3.0000], gradFn=mul)');
  });

  it('should elide the middle of a long tensor', () => {
    expect(String(arange(2000))).toBe('tensor([0, 1, 2, ..., 1997, 1998, 1999], dtype=int32)');
  });
});

describe('shape errors', () => {
  it('reshape should name the shapes and sizes', () => {
    expect(() => reshape(zeros([2, 3]), [4])).toThrow(ShapeError);
    expect(() => reshape(zeros([2, 3]), [4])).toThrow(
      'reshape: cannot reshape a tensor of shape [2, 3] (6 elements) into [4] (4 elements)',
    );
    expect(() => reshape(zeros([2, 3]), [-1, 4])).toThrow(/reshape: .* \[2, 3\] .* into \[-1, 4\]/);
  });

  it('matmul should name both shapes and the inner dimensions', () => {
    expect(() => matmul(zeros([2, 3]), zeros([4, 2]))).toThrow(ShapeError);
    expect(() => matmul(zeros([2, 3]), zeros([4, 2]))).toThrow(
      'matmul: the inner dimensions of shapes [2, 3] and [4, 2] do not match (3 vs 4)',
    );
    expect(() => matmul(zeros([]), zeros([2]))).toThrow(
      /matmul: both operands must have at least 1 dimension/,
    );
  });

  it('broadcasting should name the op and both shapes', () => {
    expect(() => add(zeros([2, 3]), zeros([4]))).toThrow(ShapeError);
    expect(() => add(zeros([2, 3]), zeros([4]))).toThrow(
      /add: shapes \[2, 3\] and \[4\] cannot be broadcast together \(size 4 against 3 at dimension 1/,
    );
  });
});
