import '../src/register.js';
import * as mg from '@metagrad/core';
import { Generator, gradcheck, gradgradcheck, type Tensor, tensor, tidy } from '@metagrad/core';
import { describe, expect, it } from 'vitest';

const gen = new Generator(7);

/** Standard normal float64 values of `shape`. */
function normal(shape: number[]): Tensor {
  return mg.randn(shape, { dtype: 'float64', generator: gen });
}

/** Values in [0.25, 2.25): positive and away from 0, for log, sqrt, reciprocal and pow bases. */
function positive(shape: number[]): Tensor {
  return mg.uniform(shape, 0.25, 2.25, { dtype: 'float64', generator: gen });
}

/** Random signs with magnitudes in [0.2, 1.2), so abs and relu are never evaluated at a kink. */
function awayFromZero(shape: number[]): Tensor {
  const n = shape.reduce((p, q) => p * q, 1);
  const values = Array.from(
    { length: n },
    () => (gen.random() < 0.5 ? -1 : 1) * gen.uniform(0.2, 1.2),
  );
  return tensor(values, { shape, dtype: 'float64' });
}

/** Distinct values at least 0.2 apart, so max, min and argmax have no ties within eps. */
function distinct(shape: number[]): Tensor {
  const n = shape.reduce((p, q) => p * q, 1);
  const values = gen.permutation(n).map((k) => 0.3 * k - 1 + gen.uniform(0, 0.1));
  return tensor(values, { shape, dtype: 'float64' });
}

/** `x` shifted elementwise by +-[0.2, 1.2), so maximum(x, y) and minimum(x, y) have no ties. */
function apartFrom(x: Tensor): Tensor {
  return mg.add(x, awayFromZero([...x.shape]));
}

type Fn = (...xs: Tensor[]) => Tensor | Tensor[];

interface GradcheckCase {
  fn: Fn;
  inputs: () => Tensor[];
}

const int32 = (values: number[], shape: number[]) => tensor(values, { shape, dtype: 'int32' });

/** Every differentiable op, by a name that states its configuration. */
const CASES: Record<string, GradcheckCase> = {
  'neg [2,3]': { fn: mg.neg, inputs: () => [normal([2, 3])] },
  'exp [2,3]': { fn: mg.exp, inputs: () => [normal([2, 3])] },
  'log [2,3]': { fn: mg.log, inputs: () => [positive([2, 3])] },
  'sqrt [2,3]': { fn: mg.sqrt, inputs: () => [positive([2, 3])] },
  'abs [2,3]': { fn: mg.abs, inputs: () => [awayFromZero([2, 3])] },
  'relu [2,3]': { fn: mg.relu, inputs: () => [awayFromZero([2, 3])] },
  'sigmoid [2,3]': { fn: mg.sigmoid, inputs: () => [normal([2, 3])] },
  'tanh [2,3]': { fn: mg.tanh, inputs: () => [normal([2, 3])] },
  'sin [2,3]': { fn: mg.sin, inputs: () => [normal([2, 3])] },
  'cos [2,3]': { fn: mg.cos, inputs: () => [normal([2, 3])] },
  'square [2,3]': { fn: mg.square, inputs: () => [normal([2, 3])] },
  'reciprocal [2,3]': { fn: mg.reciprocal, inputs: () => [positive([2, 3])] },
  'sign floor ceil [2,3]': {
    fn: (x) => mg.add(mg.add(mg.sign(x), mg.floor(x)), mg.mul(mg.ceil(x), x)),
    inputs: () => [
      tensor(
        [
          [-1.3, -0.6, 0.4],
          [0.7, 1.6, 2.2],
        ],
        { dtype: 'float64' },
      ),
    ],
  },
  'clamp min=-0.5 max=0.5': {
    fn: (x) => mg.clamp(x, -0.5, 0.5),
    inputs: () => [
      tensor(
        [
          [-1.1, -0.3, 0.1],
          [0.2, 0.9, -0.8],
        ],
        { dtype: 'float64' },
      ),
    ],
  },
  'add [2,3] [3]': { fn: mg.add, inputs: () => [normal([2, 3]), normal([3])] },
  'sub [2,1,4] [3,1]': { fn: mg.sub, inputs: () => [normal([2, 1, 4]), normal([3, 1])] },
  'mul [2,3] [2,1]': { fn: mg.mul, inputs: () => [normal([2, 3]), normal([2, 1])] },
  'mul [2,3] scalar': { fn: (x) => mg.mul(x, 1.7), inputs: () => [normal([2, 3])] },
  'div [2,3] [3]': { fn: mg.div, inputs: () => [normal([2, 3]), positive([3])] },
  'div scalar [2,3]': { fn: (x) => mg.div(2, x), inputs: () => [positive([2, 3])] },
  'pow [2,3] [2,3]': { fn: mg.pow, inputs: () => [positive([2, 3]), normal([2, 3])] },
  'pow [2,3] [3] broadcast': { fn: mg.pow, inputs: () => [positive([2, 3]), normal([3])] },
  'pow scalar exponent 3': { fn: (x) => mg.pow(x, 3), inputs: () => [normal([2, 3])] },
  'pow scalar exponent -1.5': { fn: (x) => mg.pow(x, -1.5), inputs: () => [positive([2, 3])] },
  'pow scalar exponent 1': { fn: (x) => mg.pow(x, 1), inputs: () => [normal([4])] },
  'maximum [2,3] [2,3]': {
    fn: mg.maximum,
    inputs: () => {
      const x = normal([2, 3]);
      return [x, apartFrom(x)];
    },
  },
  'minimum [2,3] [2,3]': {
    fn: mg.minimum,
    inputs: () => {
      const x = normal([2, 3]);
      return [x, apartFrom(x)];
    },
  },
  'where [2,3] [3]': {
    fn: (x, y) =>
      mg.where(
        tensor([
          [true, false, true],
          [false, false, true],
        ]),
        x,
        y,
      ),
    inputs: () => [normal([2, 3]), normal([3])],
  },
  'sum axis=null': { fn: (x) => mg.sum(x), inputs: () => [normal([2, 3, 4])] },
  'sum axis=[0,2] keepDim': {
    fn: (x) => mg.sum(x, [0, 2], true),
    inputs: () => [normal([2, 3, 4])],
  },
  'mean axis=1': { fn: (x) => mg.mean(x, 1), inputs: () => [normal([2, 3, 4])] },
  'max axis=null': { fn: (x) => mg.max(x), inputs: () => [distinct([3, 4])] },
  'max axis=1 keepDim': { fn: (x) => mg.max(x, 1, true), inputs: () => [distinct([3, 4])] },
  'min axis=0': { fn: (x) => mg.min(x, 0), inputs: () => [distinct([3, 4])] },
  'logSumExp axis=-1': { fn: (x) => mg.logSumExp(x, -1), inputs: () => [normal([3, 4])] },
  'logSumExp axis=null keepDim': {
    fn: (x) => mg.logSumExp(x, null, true),
    inputs: () => [normal([3, 4])],
  },
  'matmul [3] [3]': { fn: mg.matmul, inputs: () => [normal([3]), normal([3])] },
  'matmul [2,3] [3,4]': { fn: mg.matmul, inputs: () => [normal([2, 3]), normal([3, 4])] },
  'matmul [2,1,3,4] [3,4,2]': {
    fn: mg.matmul,
    inputs: () => [normal([2, 1, 3, 4]), normal([3, 4, 2])],
  },
  'matmul [4] [2,4,3]': { fn: mg.matmul, inputs: () => [normal([4]), normal([2, 4, 3])] },
  'matmul of a transpose [3,2]^T [3,4]': {
    fn: (a, b) => mg.matmul(mg.transpose(a), b),
    inputs: () => [normal([3, 2]), normal([3, 4])],
  },
  'reshape [2,3,4] to [4,-1]': {
    fn: (x) => mg.reshape(x, [4, -1]),
    inputs: () => [normal([2, 3, 4])],
  },
  'flatten 1..2': { fn: (x) => mg.flatten(x, 1, 2), inputs: () => [normal([2, 3, 4])] },
  'permute [2,0,1]': { fn: (x) => mg.permute(x, [2, 0, 1]), inputs: () => [normal([2, 3, 4])] },
  'transpose 0 2': { fn: (x) => mg.transpose(x, 0, 2), inputs: () => [normal([2, 3, 4])] },
  'expand [3,1] to [2,3,4]': { fn: (x) => mg.expand(x, [2, 3, 4]), inputs: () => [normal([3, 1])] },
  'squeeze and unsqueeze': {
    fn: (x) => mg.unsqueeze(mg.squeeze(x), -1),
    inputs: () => [normal([1, 3, 1, 2])],
  },
  'slice step=1': { fn: (x) => mg.slice(x, 1, 1, 5), inputs: () => [normal([3, 7])] },
  'slice step=3': { fn: (x) => mg.slice(x, -1, 2, null, 3), inputs: () => [normal([3, 7])] },
  narrow: { fn: (x) => mg.narrow(x, 0, 1, 2), inputs: () => [normal([3, 4])] },
  select: { fn: (x) => mg.select(x, 1, -1), inputs: () => [normal([3, 4])] },
  'split sections=[1,4,2]': {
    fn: (x) => mg.split(x, [1, 4, 2], -1),
    inputs: () => [normal([2, 7])],
  },
  'concat axis=0': {
    fn: (...xs) => mg.concat(xs, 0),
    inputs: () => [normal([2, 3]), normal([1, 3]), normal([3, 3])],
  },
  'stack axis=1': {
    fn: (...xs) => mg.stack(xs, 1),
    inputs: () => [normal([2, 3]), normal([2, 3])],
  },
  'pad [1,2,1,0] value=0.5': {
    fn: (x) => mg.pad(x, [1, 2, 1, 0], 0.5),
    inputs: () => [normal([2, 3, 4])],
  },
  'pad with cropping [-1,2,1,-1]': {
    fn: (x) => mg.pad(x, [-1, 2, 1, -1]),
    inputs: () => [normal([2, 3, 4])],
  },
  'gather axis=1 repeated indices': {
    fn: (x) => mg.gather(x, 1, int32([0, 3, 3, 1, 0, 2, 2, 2, 2], [3, 3])),
    inputs: () => [normal([3, 4])],
  },
  'scatterAdd axis=0': {
    fn: (src) => mg.scatterAdd(src, 0, int32([2, 0, 1, 1, 0, 0, 2, 1], [2, 4]), [3, 4]),
    inputs: () => [normal([2, 4])],
  },
  'indexSelect axis=-1 repeated indices': {
    fn: (x) => mg.indexSelect(x, -1, int32([3, 3, 1], [3])),
    inputs: () => [normal([3, 4])],
  },
  'indexAdd axis=0': {
    fn: (src) => mg.indexAdd(src, 0, int32([2, 0, 2], [3]), 4),
    inputs: () => [normal([3, 2])],
  },
  'softmax axis=1': { fn: (x) => mg.softmax(x, 1), inputs: () => [normal([2, 3, 4])] },
  'logSoftmax axis=-1': { fn: (x) => mg.logSoftmax(x, -1), inputs: () => [normal([2, 3, 4])] },
  clone: { fn: (x) => mg.clone(mg.mul(x, x)), inputs: () => [normal([2, 3])] },
  'two outputs of one input': {
    fn: (x) => [mg.exp(x), mg.mul(x, x)],
    inputs: () => [normal([3])],
  },
};

describe('gradcheck', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(name, () => {
      tidy(() => {
        const report = gradcheck(c.fn, c.inputs());
        expect(report.ok).toBe(true);
      });
    });
  }
});

describe('gradgradcheck', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(name, () => {
      tidy(() => {
        const report = gradgradcheck(c.fn, c.inputs());
        expect(report.ok).toBe(true);
      });
    });
  }
});

describe('gradcheck reports', () => {
  it('should raise on a wrong gradient', () => {
    const wrong = mg.customGrad(
      (x) => mg.mul(x, x),
      (dy, [x]) => [mg.mul(dy, x)],
      'halfGradSquare',
    );
    tidy(() => {
      expect(() => gradcheck(wrong, [normal([3])])).toThrow(/input 0 at element/);
      const report = gradcheck(wrong, [normal([3])], { raiseException: false });
      expect(report.ok).toBe(false);
      expect(report.worst?.input).toBe(0);
    });
  });

  it('should raise on a wrong second derivative', () => {
    // The first derivative 3x^2 is right, but its own derivative is claimed to be 0.
    const cube = mg.customGrad(
      (x) => mg.pow(x, 3),
      (dy, [x]) => [mg.mul(dy, mg.mul(mg.square(x.detach()), 3))],
      'cubeWithDetachedGrad',
    );
    tidy(() => {
      expect(gradcheck(cube, [normal([3])]).ok).toBe(true);
      expect(() => gradgradcheck(cube, [normal([3])])).toThrow(/gradcheck/);
    });
  });

  it('should reject float32 inputs', () => {
    tidy(() => {
      expect(() => gradcheck(mg.exp, [mg.randn([2], { generator: gen })])).toThrow(/float64/);
    });
  });
});
