import '@metagrad/backend-cpu/register';
import { flattenTree, grad, memory, type Tensor, tidy, valueAndGrad } from '@metagrad/core';
import { sgdStep } from '@metagrad/optim';
import { describe, expect, it } from 'vitest';
import { batchNorm, conv2d, crossEntropy, linear, maxPool2d, relu } from '../src/index.js';
import { decodeTree, readFixture, relativeError, SLOW_TIMEOUT_MS } from './nn_fixtures.js';

interface ConvParams {
  conv: { weight: Tensor; bias: Tensor };
  bn: { weight: Tensor; bias: Tensor };
  head: { weight: Tensor; bias: Tensor };
}

interface Task {
  xSupport: Tensor;
  ySupport: Tensor;
  xQuery: Tensor;
  yQuery: Tensor;
}

interface MamlCase {
  name: string;
  innerSteps: number;
  innerLr: number;
  firstOrder: boolean;
  params: unknown;
  tasks: unknown[];
  metaLoss: number;
  metaGrad: unknown;
}

/** Computes the fixture model's loss: conv, batchNorm (batch statistics), relu, maxPool, linear. */
function loss(p: ConvParams, x: Tensor, y: Tensor): Tensor {
  const conv = conv2d(x, p.conv.weight, p.conv.bias, { padding: 1 });
  const { output } = batchNorm(conv, {
    weight: p.bn.weight,
    bias: p.bn.bias,
    training: true,
    eps: 1e-5,
  });
  const pooled = maxPool2d(relu(output), { kernelSize: 2, stride: 2 });
  return crossEntropy(linear(pooled.flatten(1), p.head.weight, p.head.bias), y);
}

function adapt(
  params: ConvParams,
  task: Task,
  steps: number,
  lr: number,
  firstOrder: boolean,
): ConvParams {
  let fast = params;
  for (let step = 0; step < steps; step++) {
    const g: ConvParams = grad(loss)(fast, task.xSupport, task.ySupport);
    const used = firstOrder ? detachGrads(g) : g;
    fast = sgdStep(fast, used, lr);
  }
  return fast;
}

function detachGrads(g: ConvParams): ConvParams {
  const detach = (pair: { weight: Tensor; bias: Tensor }) => ({
    weight: pair.weight.detach(),
    bias: pair.bias.detach(),
  });
  return { conv: detach(g.conv), bn: detach(g.bn), head: detach(g.head) };
}

const cases = readFixture<{ cases: (MamlCase & { name: string })[] }>(
  'maml_composites.json',
).cases.filter((c) => c.name.startsWith('conv-bn-pool-linear'));

describe('MAML through conv2d + batchNorm + relu + maxPool2d + linear + crossEntropy', () => {
  it('has the four PyTorch cases', () => {
    expect(cases.length).toBe(4);
  });
  for (const c of cases) {
    it(
      c.name,
      () => {
        const params = decodeTree(c.params) as ConvParams;
        const tasks = decodeTree(c.tasks) as Task[];
        const metaObjective = (p: ConvParams) => {
          const losses = tasks.map((task) => {
            const fast = adapt(p, task, c.innerSteps, c.innerLr, c.firstOrder);
            return loss(fast, task.xQuery, task.yQuery);
          });
          return losses.reduce((a, b) => a.add(b)).div(tasks.length);
        };
        const [metaLoss, metaGrad] = valueAndGrad(metaObjective)(params);
        expect(Math.abs(metaLoss.item() - c.metaLoss) / Math.abs(c.metaLoss)).toBeLessThanOrEqual(
          1e-9,
        );

        const expected = flattenTree(decodeTree(c.metaGrad));
        const actual = flattenTree(metaGrad);
        expect(actual.paths).toEqual(expected.paths);
        const values = (ts: Tensor[]) => ts.flatMap((t) => Array.from(t.dataSync()));
        const expectedValues = values(expected.leaves);
        expect(relativeError(values(actual.leaves), expectedValues)).toBeLessThanOrEqual(1e-9);
        // Each leaf is measured against the norm of the whole meta-gradient, because conv.bias
        // has an exact gradient of zero (batchNorm removes any per-channel shift) and PyTorch's
        // value there is rounding noise of about 1e-16.
        const scale = Math.hypot(...expectedValues);
        actual.leaves.forEach((leaf, i) => {
          const want = expected.leaves[i].dataSync();
          const diff = Array.from(leaf.dataSync(), (v, j) => v - want[j]);
          expect(Math.hypot(...diff) / scale, `metaGrad ${actual.paths[i]}`).toBeLessThanOrEqual(
            1e-9,
          );
        });
        const convBias = actual.leaves[actual.paths.indexOf('conv.bias')];
        expect(Math.hypot(...convBias.dataSync()) / scale, 'conv.bias').toBeLessThan(1e-12);
      },
      SLOW_TIMEOUT_MS,
    );
  }

  it(
    'keeps the live tensor count flat across meta-steps',
    () => {
      const c = cases[0];
      const params = decodeTree(c.params) as ConvParams;
      const tasks = decodeTree(c.tasks) as Task[];
      const metaStep = () =>
        tidy(() => {
          const objective = (p: ConvParams) => {
            const fast = adapt(p, tasks[0], 1, c.innerLr, false);
            return loss(fast, tasks[0].xQuery, tasks[0].yQuery);
          };
          valueAndGrad(objective)(params);
        });
      metaStep();
      const before = memory().numTensors;
      metaStep();
      metaStep();
      expect(memory().numTensors).toBe(before);
    },
    SLOW_TIMEOUT_MS,
  );
});
