import '../src/register.js';
import {
  add,
  type DType,
  div,
  maximum,
  mul,
  ones,
  pow,
  resultType,
  sub,
  type Tensor,
  type TensorLike,
  tensor,
} from '@metagrad/core';
import { describe, expect, it } from 'vitest';
import { loadFixture, type PromotionCase } from './helpers/fixtures.js';

const { cases } = loadFixture<{ cases: PromotionCase[] }>('promotion.json');

const OPS: Record<string, (a: Tensor, b: TensorLike) => Tensor> = {
  add,
  sub,
  mul,
  div,
  maximum,
  pow,
};

/** The same op on plain numbers, to check the value of `ones op other`. */
const ON_NUMBERS: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  maximum: Math.max,
  pow: (a, b) => a ** b,
};

function caseName(c: PromotionCase): string {
  const second = c.scalar === null ? c.dtypes[1] : `scalar ${c.scalar}`;
  return `${c.op} ${c.dtypes[0]} ${second}`;
}

describe('promotion.json', () => {
  for (const c of cases) {
    it(caseName(c), () => {
      const a = ones([2], { dtype: c.dtypes[0] });
      const b = c.scalar === null ? ones([2], { dtype: c.dtypes[1] }) : c.scalar;
      expect(resultType(a, b), 'resultType').toBe(c.resultType);
      if (c.result === null) {
        expect(() => OPS[c.op](a, b)).toThrow();
        return;
      }
      const out = OPS[c.op](a, b);
      expect(out.dtype).toBe(c.result);
      expect(out.shape).toEqual([2]);
      const exact = ON_NUMBERS[c.op](1, c.scalar ?? 1);
      const rounded = c.result === 'float32' ? Math.fround(exact) : exact;
      const want = c.result === 'bool' ? Number(exact !== 0) : rounded;
      expect(Array.from(out.dataSync())).toEqual([want, want]);
    });
  }
});

describe('zero-dimensional tensors in promotion', () => {
  // torch.result_type: a 0-D operand widens only when its category is higher.
  const cases: [DType, DType, DType][] = [
    ['float64', 'int32', 'float64'],
    ['int32', 'float32', 'float32'],
    ['float64', 'float32', 'float32'],
    ['bool', 'int32', 'int32'],
    ['int32', 'bool', 'int32'],
  ];
  for (const [zeroDim, other, expected] of cases) {
    it(`0-D ${zeroDim} with [2] ${other} gives ${expected}`, () => {
      const a = tensor(1, { dtype: zeroDim });
      const b = tensor([1, 0], { dtype: other });
      expect(add(a, b).dtype).toBe(expected);
      expect(add(b, a).dtype).toBe(expected);
    });
  }
});
