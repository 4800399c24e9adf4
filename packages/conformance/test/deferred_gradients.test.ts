import { registerCpuBackend } from '@metagrad/backend-cpu';
import {
  autograd,
  batchMatmul,
  concat,
  Generator,
  gradcheck,
  gradgradcheck,
  pad,
  randn,
  type Tensor,
  zeros,
} from '@metagrad/core';
import { describe, expect, it } from 'vitest';

// The backward pass joins the gradients of the slices of one tensor with one concat, and sums
// the gradients of a weight over many matmuls with one matmul of the stacked factors. These
// tests compare both with the per-node gradients (a pad per slice, a product per matmul) and
// check first and second order against finite differences.

registerCpuBackend();
const generator = new Generator(11);

function normal(shape: number[]): Tensor {
  return randn(shape, { dtype: 'float64', generator });
}

function leaf(shape: number[]): Tensor {
  const t = normal(shape);
  t.requiresGrad = true;
  return t;
}

function expectClose(actual: Tensor, expected: Tensor): void {
  expect(actual.shape).toEqual(expected.shape);
  const a = actual.dataSync();
  const e = expected.dataSync();
  for (let i = 0; i < e.length; i++) expect(a[i]).toBeCloseTo(e[i], 12);
}

describe('slice gradient joining', () => {
  it('fills unused pieces with zeros', () => {
    const x = leaf([3, 6]);
    const [first, , last] = x.split([2, 1, 3], 1);
    const a = normal([3, 2]);
    const b = normal([3, 3]);
    const loss = first.mul(a).sum().add(last.mul(b).sum());
    const [dx] = autograd.grad([loss], [x]);
    expectClose(dx!, concat([a, zeros([3, 1], { dtype: 'float64' }), b], 1));
  });

  it('adds overlapping slices', () => {
    const x = leaf([5, 2]);
    const a = normal([3, 2]);
    const b = normal([3, 2]);
    const loss = x
      .narrow(0, 0, 3)
      .mul(a)
      .sum()
      .add(x.narrow(0, 2, 3).mul(b).sum());
    const [dx] = autograd.grad([loss], [x]);
    expectClose(dx!, pad(a, [0, 0, 0, 2]).add(pad(b, [0, 0, 2, 0])));
  });

  it('adds slices along two axes and dense uses', () => {
    const x = leaf([4, 3]);
    const a = normal([2, 3]);
    const b = normal([2, 3]);
    const c = normal([4, 1]);
    const loss = x
      .narrow(0, 0, 2)
      .mul(a)
      .sum()
      .add(x.narrow(0, 2, 2).mul(b).sum())
      .add(x.narrow(1, 1, 1).mul(c).sum())
      .add(x.square().sum());
    const [dx] = autograd.grad([loss], [x]);
    const expected = concat([a, b], 0)
      .add(pad(c, [1, 1]))
      .add(x.detach().mul(2));
    expectClose(dx!, expected);
  });

  it('passes gradcheck and gradgradcheck', () => {
    const fn = (x: Tensor) => {
      const steps = Array.from({ length: 4 }, (_, t) => x.select(0, t));
      const [p, q] = x.narrow(0, 1, 3).split([1, 2], 0);
      return steps[0]
        .mul(steps[3])
        .add(steps[1].tanh())
        .sum()
        .add(p.mul(q.sum(0)).sum());
    };
    const x = normal([4, 3]);
    expect(gradcheck(fn, [x]).ok).toBe(true);
    expect(gradgradcheck(fn, [x]).ok).toBe(true);
  });
});

describe('matmul weight gradient summing', () => {
  it('matches the per-product sum', () => {
    const w = leaf([4, 3]);
    const inputs = [normal([2, 3]), normal([5, 3])];
    const outputGrads = [normal([2, 4]), normal([5, 4])];
    const v = normal([4, 6]);
    const vGrad = normal([3, 6]);
    const outputs = [
      ...inputs.map((x) => batchMatmul(x, w, false, true)),
      batchMatmul(w, v, true, false),
    ];
    const loss = outputs[0]
      .mul(outputGrads[0])
      .sum()
      .add(outputs[1].mul(outputGrads[1]).sum())
      .add(outputs[2].mul(vGrad).sum());
    const [dw] = autograd.grad([loss], [w]);
    const expected = batchMatmul(outputGrads[0], inputs[0], true, false)
      .add(batchMatmul(outputGrads[1], inputs[1], true, false))
      .add(batchMatmul(v, vGrad, false, true));
    expectClose(dw!, expected);
  });

  it('passes gradcheck and gradgradcheck', () => {
    // A two-step recurrence: the weight is the right operand of three products, two of them
    // transposed, and the left operand of one.
    const fn = (x: Tensor, h: Tensor, w: Tensor) => {
      const h1 = batchMatmul(x, w, false, true)
        .add(batchMatmul(h, w, false, false))
        .tanh();
      const h2 = batchMatmul(h1, w, false, true).sigmoid();
      return batchMatmul(w, h2.transpose(0, 1), false, false).sum(1).add(h2.sum(0));
    };
    const inputs = [normal([2, 3]), normal([2, 3]), normal([3, 3])];
    expect(gradcheck(fn, inputs).ok).toBe(true);
    expect(gradgradcheck(fn, inputs).ok).toBe(true);
  });
});
