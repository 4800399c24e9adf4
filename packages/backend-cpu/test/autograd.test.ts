import '../src/register.js';
import {
  autograd,
  customGrad,
  DTypeError,
  exp,
  GradError,
  grad,
  gradgradcheck,
  isGradEnabled,
  log,
  matmul,
  mul,
  noGrad,
  pow,
  setAnomalyMode,
  sqrt,
  sum,
  type Tensor,
  tanh,
  tensor,
  valueAndGrad,
} from '@metagrad/core';
import { afterEach, describe, expect, it } from 'vitest';

const f64 = (values: number[] | number[][], requiresGrad = false): Tensor =>
  tensor(values, { dtype: 'float64', requiresGrad });

/** Reads a tensor (or a missing gradient) as a flat array of numbers. */
const values = (t: Tensor | null | undefined): number[] => {
  if (!t) throw new Error('expected a tensor, got none');
  return Array.from(t.dataSync());
};

function expectAllClose(got: number[], want: number[], tolerance = 1e-12): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) =>
    expect(Math.abs(g - want[i]), `element ${i}: ${g} vs ${want[i]}`).toBeLessThanOrEqual(
      tolerance * (1 + Math.abs(want[i])),
    ),
  );
}

describe('backward', () => {
  it('should fill .grad on leaves', () => {
    const x = f64([1, -2, 3], true);
    sum(mul(x, x)).backward();
    expect(values(x.grad)).toEqual([2, -4, 6]);
  });

  it('should accumulate .grad over two passes', () => {
    const x = f64([1, -2, 3], true);
    sum(mul(x, x)).backward();
    sum(mul(x, 3)).backward();
    expect(values(x.grad)).toEqual([5, -1, 9]);
  });

  it('should leave .grad null on leaves without requiresGrad', () => {
    const x = f64([1, 2], true);
    const c = f64([3, 4]);
    sum(mul(x, c)).backward();
    expect(values(x.grad)).toEqual([3, 4]);
    expect(c.grad).toBeNull();
  });

  it('should require gradOutput for a non-scalar output', () => {
    const x = f64([1, 2], true);
    expect(() => mul(x, 2).backward()).toThrow(/scalar output/);
    mul(x, 2).backward(f64([1, 10]));
    expect(values(x.grad)).toEqual([2, 20]);
  });
});

describe('autograd.grad', () => {
  it('should differentiate twice with createGraph', () => {
    const x = f64([0.5, -1, 2], true);
    const [g] = autograd.grad(sum(pow(x, 3)), x, { createGraph: true });
    expectAllClose(values(g), [0.75, 3, 12]);
    expect(g?.requiresGrad).toBe(true);
    const [h] = autograd.grad(sum(g!), x);
    expectAllClose(values(h), [3, -6, 12]);
  });

  it('should return gradients without a graph by default', () => {
    const x = f64([0.5, -1], true);
    const [g] = autograd.grad(sum(pow(x, 3)), x);
    expect(g?.requiresGrad).toBe(false);
  });

  it('should raise on a second pass through a freed graph', () => {
    const x = f64([1, 2], true);
    const y = sum(exp(x));
    autograd.grad(y, x);
    expect(() => autograd.grad(y, x)).toThrow(GradError);
    expect(() => autograd.grad(y, x)).toThrow(/already freed.*retainGraph/);
  });

  it('should allow a second pass with retainGraph', () => {
    const x = f64([1, 2], true);
    const y = sum(exp(x));
    const [first] = autograd.grad(y, x, { retainGraph: true });
    const [second] = autograd.grad(y, x);
    expect(values(second)).toEqual(values(first));
  });

  it('should return null for an unused input with allowUnused', () => {
    const x = f64([1, 2], true);
    const unused = f64([3], true);
    const [g, none] = autograd.grad(sum(mul(x, x)), [x, unused], { allowUnused: true });
    expect(values(g)).toEqual([2, 4]);
    expect(none).toBeNull();
  });

  it('should name an unused input without allowUnused', () => {
    const x = f64([1, 2], true);
    const unused = f64([3], true);
    expect(() => autograd.grad(sum(mul(x, x)), [x, unused])).toThrow(
      /inputs\[1\] received no gradient/,
    );
  });

  it('should raise for an output that does not require grad', () => {
    const x = f64([1, 2], true);
    const y = noGrad(() => sum(x));
    expect(() => autograd.grad(y, x)).toThrow(/does not require grad/);
  });

  it('should check the shape of gradOutputs', () => {
    const x = f64([1, 2], true);
    expect(() => autograd.grad(mul(x, 2), x, { gradOutputs: [f64([1, 2, 3])] })).toThrow(
      /gradOutputs\[0\] has shape \[3\]/,
    );
  });
});

describe('grad and valueAndGrad', () => {
  const makeParams = () => ({
    l1: {
      weight: f64([
        [0.5, -0.2],
        [0.1, 0.3],
      ]),
      bias: f64([0.1, -0.1]),
    },
    l2: { weight: f64([[1.5, -0.5]]), bias: f64([0.2]) },
  });
  const input = () => f64([1, 2]);
  const firstLayerOnly = (p: ReturnType<typeof makeParams>, x: Tensor) =>
    sum(tanh(matmul(p.l1.weight, x).add(p.l1.bias)));

  it('should return gradients shaped like the params pytree', () => {
    const params = makeParams();
    const g = grad((p: ReturnType<typeof makeParams>) =>
      sum(matmul(p.l2.weight, tanh(matmul(p.l1.weight, input()).add(p.l1.bias))).add(p.l2.bias)),
    )(params);
    expect(Object.keys(g)).toEqual(['l1', 'l2']);
    expect(g.l1.weight.shape).toEqual([2, 2]);
    expect(g.l2.bias.shape).toEqual([1]);
    expect(values(g.l2.bias)).toEqual([1]);
  });

  it('should name the pytree path of an unused leaf', () => {
    const params = makeParams();
    expect(() => grad(firstLayerOnly)(params, input())).toThrow(
      /params\.l2\.weight received no gradient/,
    );
  });

  it('should give zeros to unused leaves with allowUnused', () => {
    const params = makeParams();
    const g = grad(firstLayerOnly, { allowUnused: true })(params, input());
    expect(values(g.l2.weight)).toEqual([0, 0]);
    expect(values(g.l2.bias)).toEqual([0]);
  });

  it('should return the value with valueAndGrad', () => {
    const x = f64([1, 2, 3]);
    const [value, g] = valueAndGrad((t: Tensor) => sum(mul(t, t)))(x);
    expect(value.item()).toBe(14);
    expect(values(g)).toEqual([2, 4, 6]);
  });

  it('should pass aux through with hasAux', () => {
    const x = f64([1, 2]);
    const fn = (t: Tensor): [Tensor, { count: number; doubled: Tensor }] => [
      sum(mul(t, t)),
      { count: 2, doubled: mul(t, 2) },
    ];
    const [g, aux] = grad(fn, { hasAux: true })(x);
    expect(values(g)).toEqual([2, 4]);
    expect(aux.count).toBe(2);
    expect(values(aux.doubled)).toEqual([2, 4]);
    const [[value, aux2], g2] = valueAndGrad(fn, { hasAux: true })(x);
    expect(value.item()).toBe(5);
    expect(aux2.count).toBe(2);
    expect(values(g2)).toEqual([2, 4]);
  });

  it('should differentiate the arguments named by argnums', () => {
    const a = f64([1, 2]);
    const b = f64([3, 5]);
    const fn = (x: Tensor, y: Tensor) => sum(mul(mul(x, x), y));
    expect(values(grad(fn, { argnums: 1 })(a, b))).toEqual([1, 4]);
    const [ga, gb] = grad(fn, { argnums: [0, 1] })(a, b);
    expect(values(ga)).toEqual([6, 20]);
    expect(values(gb)).toEqual([1, 4]);
  });

  it('should name an argument out of range in argnums', () => {
    expect(() => grad((x: Tensor) => sum(x), { argnums: 2 })(f64([1]))).toThrow(
      /argnums lists argument 2/,
    );
  });

  it('should raise for a non-scalar output', () => {
    expect(() => grad((x: Tensor) => mul(x, 2))(f64([1, 2]))).toThrow(/scalar tensor/);
  });

  it('should take the grad of a grad of a function of a matrix', () => {
    // f(W) = sum(exp(W v)), so df/dW[i][j] = exp((Wv)_i) v_j and, for h(W) = sum(U * df/dW),
    // dh/dW[k][l] = exp((Wv)_k) v_l sum_j U[k][j] v_j.
    const wValues = [
      [0.2, -0.4, 0.1],
      [0.5, 0.3, -0.6],
    ];
    const v = [0.7, -1.1, 0.4];
    const u = [
      [1.0, -0.5, 2.0],
      [0.3, 0.8, -1.2],
    ];
    const f = (w: Tensor) => sum(exp(matmul(w, f64(v))));
    const h = (w: Tensor) => sum(mul(grad(f)(w), f64(u)));
    const got = values(grad(h)(f64(wValues)));
    const want: number[] = [];
    for (let k = 0; k < 2; k++) {
      const wv = wValues[k].reduce((acc, w, j) => acc + w * v[j], 0);
      const uv = u[k].reduce((acc, x, j) => acc + x * v[j], 0);
      for (let l = 0; l < 3; l++) want.push(Math.exp(wv) * v[l] * uv);
    }
    expectAllClose(got, want);
  });
});

describe('customGrad', () => {
  // x^2 with a backward written in ops, so that it can be differentiated again.
  const square = customGrad(
    (x) => mul(x, x),
    (dy, [x]) => [mul(dy, mul(x, 2))],
    'customSquare',
  );

  it('should use the given backward', () => {
    const x = f64([1.5, -2], true);
    const [g] = autograd.grad(sum(square(x)), x);
    expect(values(g)).toEqual([3, -4]);
  });

  it('should have a second derivative', () => {
    const x = f64([1.5, -2], true);
    const [g] = autograd.grad(sum(mul(square(x), x)), x, { createGraph: true });
    expect(values(g)).toEqual([6.75, 12]);
    const [h] = autograd.grad(sum(g!), x);
    expect(values(h)).toEqual([9, -12]);
    expect(gradgradcheck(square, [f64([0.3, -0.8, 1.1])]).ok).toBe(true);
  });

  it('should tell the backward which gradients are needed', () => {
    const seen: boolean[][] = [];
    const product = customGrad(
      (x, y) => mul(x, y),
      (dy, [x, y], _output, needed) => {
        seen.push([...needed]);
        return [needed[0] ? mul(dy, y) : null, needed[1] ? mul(dy, x) : null];
      },
      'recordingProduct',
    );
    const x = f64([2, 3], true);
    const constant = f64([5, 7]);
    const [gx] = autograd.grad(sum(product(x, constant)), x);
    expect(values(gx)).toEqual([5, 7]);
    const y = f64([5, 7], true);
    const [gy] = autograd.grad(sum(product(x, y)), y);
    expect(values(gy)).toEqual([2, 3]);
    expect(seen).toEqual([
      [true, false],
      [false, true],
    ]);
  });

  it('should raise when the backward returns the wrong number of gradients', () => {
    const broken = customGrad(
      (x, y) => mul(x, y),
      (dy) => [dy],
      'brokenProduct',
    );
    const x = f64([1], true);
    const y = f64([2], true);
    expect(() => autograd.grad(sum(broken(x, y)), [x, y])).toThrow(
      /brokenProduct: the backward returned 1 gradients for 2 inputs/,
    );
  });
});

describe('noGrad, detach and requiresGrad', () => {
  it('should record nothing inside noGrad', () => {
    const x = f64([1, 2], true);
    const y = noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      return mul(x, 2);
    });
    expect(isGradEnabled()).toBe(true);
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
  });

  it('should stop the gradient at detach', () => {
    const x = f64([1.5, -2], true);
    const d = x.detach();
    expect(d.requiresGrad).toBe(false);
    expect(values(d)).toEqual([1.5, -2]);
    const [g] = autograd.grad(sum(mul(x, d)), x);
    expect(values(g)).toEqual([1.5, -2]);
  });

  it('should raise for requiresGrad on an int tensor', () => {
    const i = tensor([1, 2, 3]);
    expect(i.dtype).toBe('int32');
    expect(() => {
      i.requiresGrad = true;
    }).toThrow(DTypeError);
    expect(() => tensor([1, 2], { requiresGrad: true })).toThrow(/int32/);
    expect(() => tensor([true], { requiresGrad: true })).toThrow(/bool/);
  });

  it('should not let a non-leaf drop requiresGrad', () => {
    const y = mul(f64([1], true), 2);
    expect(() => {
      y.requiresGrad = false;
    }).toThrow(/detach/);
  });
});

describe('anomaly mode', () => {
  afterEach(() => setAnomalyMode(false));

  it('should name log for a NaN from a finite input', () => {
    setAnomalyMode(true);
    expect(() => log(f64([1, -1]))).toThrow(/anomaly: log produced NaN at flat index 1/);
  });

  it('should name sqrt for a NaN in the backward', () => {
    const x = f64([0, 4], true);
    const y = sum(sqrt(x));
    setAnomalyMode(true);
    // d sqrt(x)/dx = 1 / (2 sqrt(x)) is an infinity at 0, made by the backward's div.
    expect(() => autograd.grad(y, x)).toThrow(/anomaly: div produced Infinity/);
  });

  it('should not raise when an input already holds the NaN', () => {
    setAnomalyMode(true);
    expect(() => exp(f64([Number.NaN, 1]))).not.toThrow();
  });

  it('should be off by default', () => {
    expect(() => log(f64([-1]))).not.toThrow();
  });
});
