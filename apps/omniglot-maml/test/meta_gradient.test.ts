import '@metagrad/backend-cpu/register';
import {
  flattenTree,
  fromTypedArray,
  Generator,
  gradcheck,
  mapTree,
  randn,
  type Tensor,
  tidy,
  unflattenTree,
} from '@metagrad/core';
import { describe, expect, it } from 'vitest';
import { sampleTaskBatch } from '../src/data.js';
import {
  adaptedLogits,
  type InnerLoop,
  metaGradient,
  metaLoss,
  type TaskBatch,
} from '../src/maml.js';
import { type Architecture, type ConvNetParams, initConvNet } from '../src/model.js';
import { syntheticClasses } from './synthetic.js';

const architecture = { maxPool: false };

/** Two 2-way 1-shot tasks with 2 queries per class, on a net with 2 filters, in float64. */
function tinyProblem(): { params: ConvNetParams; batch: TaskBatch } {
  const generator = new Generator(5);
  const params = initConvNet({ ways: 2, filters: 2, maxPool: false }, generator, 'float64');
  const sampled = sampleTaskBatch(
    syntheticClasses(6),
    { tasks: 2, ways: 2, shots: 1, queries: 2, augment: false },
    generator,
  );
  const batch = {
    ...sampled,
    support: sampled.support.cast('float64'),
    query: sampled.query.cast('float64'),
  };
  return { params, batch };
}

/** params + t * direction for a scalar tensor t. */
function along(params: ConvNetParams, direction: ConvNetParams, t: Tensor): ConvNetParams {
  const p = flattenTree(params).leaves;
  const d = flattenTree(direction).leaves;
  return unflattenTree(
    params,
    p.map((leaf, i) => leaf.add(d[i].mul(t))),
  ) as ConvNetParams;
}

function dot(a: ConvNetParams, b: ConvNetParams): number {
  const x = flattenTree(a).leaves;
  const y = flattenTree(b).leaves;
  return x.reduce((total, leaf, i) => total + leaf.mul(y[i]).sum().item(), 0);
}

/** Returns the meta-loss at params + t * direction as a function of the number t. */
function lossAlong(
  params: ConvNetParams,
  direction: ConvNetParams,
  batch: TaskBatch,
  inner: InnerLoop,
  architecture: Architecture,
): (t: number) => number {
  return (t) => {
    const at = along(params, direction, fromTypedArray(new Float64Array([t]), [1], 'float64'));
    return metaLoss(at, batch, inner, architecture).loss.item();
  };
}

/** Computes the float64 central difference of f at 0. */
function centralDifference(f: (t: number) => number, eps = 1e-6): number {
  return (f(eps) - f(-eps)) / (2 * eps);
}

describe('MAML meta-gradient (float64)', () => {
  for (const steps of [1, 2]) {
    it(`matches finite differences along a random direction, ${steps} inner steps`, () => {
      tidy(() => {
        const { params, batch } = tinyProblem();
        const generator = new Generator(11);
        const direction = mapTree(params, (leaf: Tensor) =>
          randn(leaf.shape, { generator, dtype: 'float64' }),
        ) as ConvNetParams;
        const inner = { steps, lr: 0.4, firstOrder: false };
        const lossAt = (t: Tensor) =>
          metaLoss(along(params, direction, t), batch, inner, architecture).loss;

        // The analytic derivative along the direction, through autograd, against core's
        // float64 central differences.
        const t0 = fromTypedArray(new Float64Array([0]), [1], 'float64');
        const report = gradcheck((t) => lossAt(t), [t0], { eps: 1e-6, atol: 1e-7, rtol: 1e-5 });
        expect(report.ok).toBe(true);

        // metaGradient itself: <grad, direction> against the same central difference.
        const { grads } = metaGradient(params, batch, inner, architecture);
        const numeric = centralDifference(lossAlong(params, direction, batch, inner, architecture));
        const analytic = dot(grads, direction);
        expect(Math.abs(analytic - numeric)).toBeLessThan(1e-6 * Math.max(1, Math.abs(numeric)));
      });
    });
  }

  it('first order misses the finite difference', () => {
    tidy(() => {
      const { params, batch } = tinyProblem();
      const generator = new Generator(11);
      const direction = mapTree(params, (leaf: Tensor) =>
        randn(leaf.shape, { generator, dtype: 'float64' }),
      ) as ConvNetParams;
      const full = { steps: 1, lr: 0.4, firstOrder: false };
      const numeric = centralDifference(lossAlong(params, direction, batch, full, architecture));
      const first = metaGradient(params, batch, { ...full, firstOrder: true }, architecture);
      // Dropping the second-order terms changes the derivative by far more than the
      // tolerance of the checks above, so those checks would catch a missing term.
      expect(Math.abs(dot(first.grads, direction) - numeric)).toBeGreaterThan(1e-3);
    });
  });
});

describe('MAML with a zero head (float64)', () => {
  const zeroHead = { maxPool: false, zeroHead: true };

  it('matches finite differences along a random direction of the body', () => {
    tidy(() => {
      const { params, batch } = tinyProblem();
      const generator = new Generator(13);
      const direction = mapTree(params, (leaf: Tensor) =>
        randn(leaf.shape, { generator, dtype: 'float64' }),
      ) as ConvNetParams;
      // The head is not meta-learned, so a step along its direction changes nothing.
      const inner = { steps: 2, lr: 0.4, firstOrder: false };
      const numeric = centralDifference(lossAlong(params, direction, batch, inner, zeroHead));
      const { grads } = metaGradient(params, batch, inner, zeroHead);
      expect(Math.abs(dot(grads, direction) - numeric)).toBeLessThan(
        1e-6 * Math.max(1, Math.abs(numeric)),
      );
      expect(grads.head.weight.abs().sum().item()).toBe(0);
      expect(grads.head.bias.abs().sum().item()).toBe(0);
    });
  });

  it('adapts a 2-way model to 3-way tasks', () => {
    tidy(() => {
      const generator = new Generator(7);
      const params = initConvNet(
        { ways: 2, filters: 2, maxPool: false, zeroHead: true },
        generator,
      );
      const batch = sampleTaskBatch(
        syntheticClasses(6),
        { tasks: 2, ways: 3, shots: 1, queries: 2, augment: false },
        generator,
      );
      const logits = adaptedLogits(
        params,
        batch,
        { steps: 1, lr: 0.4, firstOrder: true },
        zeroHead,
      );
      expect(logits.shape).toEqual([2, 6, 3]);
    });
  });
});
