import '@metagrad/backend-cpu/register';
import {
  flattenTree,
  Generator,
  grad,
  gradcheck,
  mapTree,
  randn,
  type Tensor,
  tensor,
  tidy,
  unflattenTree,
} from '@metagrad/core';
import { describe, expect, it } from 'vitest';
import { sampleStrokeEpisode } from '../src/data.js';
import { adapt, metaGradient, metaLoss, type TaskTensors } from '../src/maml.js';
import {
  classificationLoss,
  initStrokeNet,
  type StrokeNetParams,
  toTensors,
} from '../src/model.js';
import { randomClasses } from './tiny.js';

const LENGTH = 5;
const HIDDEN = 3;
const WAYS = 2;

/** Two 2-way 1-shot tasks with 2 queries per class, in float64. */
function tinyTasks(generator: Generator): TaskTensors[] {
  const classes = randomClasses(generator, 4, 4, LENGTH);
  return [0, 1].map(() => {
    const episode = sampleStrokeEpisode(classes, {
      ways: WAYS,
      shots: 1,
      queries: 2,
      rng: generator,
    });
    return {
      support: toTensors(episode.support, 'float64'),
      query: toTensors(episode.query, 'float64'),
    };
  });
}

/** params + t * direction, leaf by leaf; t is a [1] tensor. */
function shifted(params: StrokeNetParams, direction: StrokeNetParams, t: Tensor): StrokeNetParams {
  const { leaves, paths } = flattenTree(params);
  const steps = flattenTree(direction).leaves;
  expect(flattenTree(direction).paths).toEqual(paths);
  return unflattenTree(
    params,
    leaves.map((p, i) => p.add(steps[i].mul(t))),
  ) as StrokeNetParams;
}

function dot(a: StrokeNetParams, b: StrokeNetParams): number {
  const left = flattenTree(a).leaves;
  const right = flattenTree(b).leaves;
  return left.reduce((sum, x, i) => sum + x.mul(right[i]).sum().item(), 0);
}

describe('MAML meta-gradient through the bidirectional LSTM (float64)', () => {
  for (const innerSteps of [1, 2]) {
    it(`matches central differences, ${innerSteps} inner step(s)`, () => {
      tidy(() => {
        const generator = new Generator(11 + innerSteps);
        const params = initStrokeNet(HIDDEN, WAYS, generator, 'float64');
        const tasks = tinyTasks(generator);
        const inner = { steps: innerSteps, lr: 0.5, firstOrder: false };
        const direction = mapTree(params, (p: Tensor) =>
          randn(p.shape, { dtype: 'float64', generator }),
        ) as StrokeNetParams;

        const { grads } = metaGradient(params, tasks, inner);
        const analytic = dot(grads, direction);
        const along = (t: number) =>
          metaLoss(
            shifted(params, direction, tensor([t], { dtype: 'float64' })),
            tasks,
            inner,
          )[0].item();
        const eps = 1e-5;
        const numeric = (along(eps) - along(-eps)) / (2 * eps);
        expect(Math.abs(analytic)).toBeGreaterThan(1e-3);
        expect(Math.abs(analytic - numeric)).toBeLessThanOrEqual(1e-6 * Math.abs(numeric));
      });
    });
  }

  it('passes gradcheck along a direction', () => {
    tidy(() => {
      const generator = new Generator(5);
      const params = initStrokeNet(HIDDEN, WAYS, generator, 'float64');
      const tasks = tinyTasks(generator);
      const inner = { steps: 1, lr: 0.5, firstOrder: false };
      const direction = mapTree(params, (p: Tensor) =>
        randn(p.shape, { dtype: 'float64', generator }),
      ) as StrokeNetParams;
      const report = gradcheck(
        (t: Tensor) => metaLoss(shifted(params, direction, t), tasks, inner)[0],
        [tensor([0.1], { dtype: 'float64' })],
      );
      expect(report.ok).toBe(true);
    });
  });

  it('drops the second-order terms with firstOrder', () => {
    tidy(() => {
      const generator = new Generator(7);
      const params = initStrokeNet(HIDDEN, WAYS, generator, 'float64');
      const tasks = tinyTasks(generator).slice(0, 1);
      const inner = { steps: 1, lr: 0.5, firstOrder: true };
      const { grads } = metaGradient(params, tasks, inner);
      // First-order MAML: the query loss's gradient at the fast weights, taken as a function of them.
      const fast = mapTree(adapt(params, tasks[0].support, inner), (t: Tensor) => t.detach());
      const [{ query }] = tasks;
      const expected = grad((p: StrokeNetParams) => classificationLoss(p, query.x, query.y))(fast);
      const got = flattenTree(grads);
      const want = flattenTree(expected);
      expect(got.paths).toEqual(want.paths);
      got.leaves.forEach((g, i) => {
        const difference = g.sub(want.leaves[i]).abs().max().item();
        expect(difference, got.paths[i]).toBeLessThanOrEqual(1e-12);
      });
      const secondOrder = metaGradient(params, tasks, { ...inner, firstOrder: false }).grads;
      const gap = secondOrder.lstm.weight_hh_l0.sub(grads.lstm.weight_hh_l0).abs().max().item();
      expect(gap).toBeGreaterThan(1e-8);
    });
  });

  it('adapts the LSTM weights by their PyTorch names', () => {
    tidy(() => {
      const generator = new Generator(3);
      const params = initStrokeNet(HIDDEN, WAYS, generator, 'float64');
      const [task] = tinyTasks(generator);
      const fast = adapt(params, task.support, { steps: 1, lr: 0.5, firstOrder: false });
      expect(Object.keys(fast.lstm).sort()).toEqual(Object.keys(params.lstm).sort());
      for (const name of ['weight_ih_l0', 'weight_hh_l0_reverse', 'bias_ih_l0_reverse']) {
        const moved = fast.lstm[name].sub(params.lstm[name]).abs().max().item();
        expect(moved, name).toBeGreaterThan(0);
      }
    });
  });
});
