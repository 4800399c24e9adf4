import '../src/register.js';
import {
  add,
  argmax,
  concat,
  cos,
  exp,
  expand,
  full,
  Generator,
  matmul,
  max,
  mean,
  mul,
  pad,
  permute,
  rand,
  sin,
  slice,
  sum,
  type Tensor,
  tensor,
  where,
  zeros,
} from '@metagrad/core';
import { describe, expect, it } from 'vitest';

const values = (t: Tensor) => Array.from(t.dataSync());

describe('empty tensors', () => {
  it('elementwise ops should keep the empty shape', () => {
    const out = add(zeros([0, 3]), zeros([3]));
    expect(out.shape).toEqual([0, 3]);
    expect(values(out)).toEqual([]);
    expect(exp(zeros([2, 0])).shape).toEqual([2, 0]);
  });

  it('sum should give 0 and mean NaN over nothing', () => {
    expect(sum(zeros([0])).item()).toBe(0);
    expect(values(sum(zeros([2, 0]), 1))).toEqual([0, 0]);
    expect(Number.isNaN(mean(zeros([0])).item())).toBe(true);
  });

  it('max and argmax should reject an empty reduction', () => {
    expect(() => max(zeros([2, 0]), 1)).toThrow(/max: cannot reduce over an empty dimension/);
    expect(() => argmax(zeros([0]))).toThrow(/argmax: the input is empty/);
  });

  it('matmul with an empty inner dimension should give zeros', () => {
    const out = matmul(zeros([2, 0]), zeros([0, 3]));
    expect(out.shape).toEqual([2, 3]);
    expect(values(out)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('layout kernels should accept empty tensors', () => {
    expect(permute(zeros([0, 2]), [1, 0]).shape).toEqual([2, 0]);
    expect(values(concat([zeros([0, 2]), tensor([[1, 2]], { dtype: 'float32' })]))).toEqual([1, 2]);
    expect(values(pad(zeros([0]), [1, 1], 5))).toEqual([5, 5]);
    expect(slice(zeros([3, 4]), 1, 2, 2).shape).toEqual([3, 0]);
  });
});

describe('size-1 dimensions', () => {
  it('should reduce over a size-1 axis', () => {
    const x = tensor([[1], [2], [3]], { dtype: 'float64' });
    expect(values(sum(x, 1))).toEqual([1, 2, 3]);
    expect(values(max(x, 1, true))).toEqual([1, 2, 3]);
    expect(max(x, 1, true).shape).toEqual([3, 1]);
  });

  it('should multiply 1x1 matrices', () => {
    expect(
      values(matmul(tensor([[3]], { dtype: 'float32' }), tensor([[4]], { dtype: 'float32' }))),
    ).toEqual([12]);
  });
});

describe('broadcasting', () => {
  it('should match a direct loop for [2,1,4] + [3,1]', () => {
    const a = tensor(
      Array.from({ length: 8 }, (_, i) => i),
      { shape: [2, 1, 4], dtype: 'float64' },
    );
    const b = tensor([10, 20, 30], { shape: [3, 1], dtype: 'float64' });
    const out = add(a, b);
    expect(out.shape).toEqual([2, 3, 4]);
    const want: number[] = [];
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) want.push(i * 4 + k + (j + 1) * 10);
    expect(values(out)).toEqual(want);
  });

  it('should broadcast a 0-D tensor and an expanded (stride-0) operand', () => {
    const column = expand(tensor([[1], [2]], { dtype: 'float32' }), [2, 3]);
    expect(values(mul(column, tensor(2, { dtype: 'float32' })))).toEqual([2, 2, 2, 4, 4, 4]);
    expect(values(sum(column, 0))).toEqual([3, 3, 3]);
  });

  it('should broadcast all three operands of where', () => {
    const out = where(
      tensor([[true], [false]]),
      tensor([1, 2, 3], { dtype: 'float32' }),
      tensor(0, { dtype: 'float32' }),
    );
    expect(out.shape).toEqual([2, 3]);
    expect(values(out)).toEqual([1, 2, 3, 0, 0, 0]);
  });

  it('should broadcast matmul batch dimensions', () => {
    const a = tensor(
      [
        [
          [1, 0],
          [0, 1],
        ],
        [
          [2, 0],
          [0, 2],
        ],
      ],
      { dtype: 'float32' },
    );
    const b = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: 'float32' },
    );
    expect(values(matmul(a, b))).toEqual([1, 2, 3, 4, 2, 4, 6, 8]);
  });
});

describe('non-finite values', () => {
  it('matmul should propagate NaN from 0 * inf', () => {
    const a = tensor([[0, 1]], { dtype: 'float64' });
    const b = tensor([[Number.POSITIVE_INFINITY], [1]], { dtype: 'float64' });
    expect(Number.isNaN(matmul(a, b).item())).toBe(true);
  });

  it('matmul should propagate NaN from a NaN operand', () => {
    const a = tensor([[Number.NaN, 1]], { dtype: 'float32' });
    const b = tensor(
      [
        [0, 1],
        [0, 1],
      ],
      { dtype: 'float32' },
    );
    expect(values(matmul(a, b)).every(Number.isNaN)).toBe(true);
  });
});

describe('trigonometric kernels', () => {
  it('sin and cos should match Math in float64', () => {
    const angles = [-2, -0.5, 0, 1, 3];
    const x = tensor(angles, { dtype: 'float64' });
    expect(values(sin(x))).toEqual(angles.map(Math.sin));
    expect(values(cos(x))).toEqual(angles.map(Math.cos));
  });
});

describe('float32 accuracy', () => {
  it('should sum 10^6 float32 values within 1e-6 of the float64 sum', () => {
    const x = rand([1_000_000], { generator: new Generator(2024), dtype: 'float32' });
    const got = sum(x).item();
    let exact = 0;
    for (const v of x.dataSync()) exact += v;
    expect(Math.abs(got - exact) / Math.abs(exact)).toBeLessThan(1e-6);
  });
});

describe('negative zero operands', () => {
  it('full and number operands keep -0', () => {
    const filled = Array.from(full([2], -0, { dtype: 'float32' }).dataSync());
    expect(filled.every((v) => Object.is(v, -0))).toBe(true);
    const x = tensor([-0, 1], { dtype: 'float32' });
    expect(Array.from(x.div(-0).dataSync())).toEqual([Number.NaN, -Infinity]);
    expect(Object.is(x.mul(-0).dataSync()[1], -0)).toBe(true);
  });
});
