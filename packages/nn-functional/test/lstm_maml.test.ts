import '@metagrad/backend-cpu/register';
import {
  concat,
  flattenTree,
  grad,
  mapTree,
  stack,
  type Tensor,
  tidy,
  valueAndGrad,
} from '@metagrad/core';
import { sgdStep } from '@metagrad/optim';
import { describe, expect, it } from 'vitest';
import { linear, lstm, mseLoss } from '../src/index.js';
import {
  decodeTree,
  expectRelativeClose,
  type JsonTensor,
  readFixtureJson,
} from './lstm_helpers.js';

interface Task<T> {
  xSupport: T;
  ySupport: T;
  xQuery: T;
  yQuery: T;
}

interface MamlCase {
  name: string;
  model: string;
  innerSteps: number;
  innerLr: number;
  firstOrder: boolean;
  params: { lstm: Record<string, JsonTensor>; head: Record<string, JsonTensor> };
  tasks: Task<JsonTensor>[];
  metaLoss: number;
  metaGrad: { lstm: Record<string, JsonTensor>; head: Record<string, JsonTensor> };
}

interface Params {
  lstm: Record<string, Tensor>;
  head: { weight: Tensor; bias: Tensor };
}

const cases = readFixtureJson<{ cases: MamlCase[] }>('maml_composites.json').cases.filter((c) =>
  c.name.startsWith('bilstm-linear'),
);

const RTOL = 1e-9;

/** Computes the fixture's loss: a bidirectional lstm, both final states concatenated, a linear head. */
function loss(params: Params, x: Tensor, y: Tensor): Tensor {
  const [, [hN]] = lstm(x, undefined, params.lstm, { bidirectional: true, batchFirst: true });
  const features = concat([hN.select(0, 0), hN.select(0, 1)], -1);
  return mseLoss(linear(features, params.head.weight, params.head.bias), y);
}

function adapt(
  params: Params,
  x: Tensor,
  y: Tensor,
  steps: number,
  lr: number,
  firstOrder: boolean,
) {
  let fast = params;
  for (let step = 0; step < steps; step++) {
    let g: Params = grad(loss)(fast, x, y);
    if (firstOrder) g = mapTree(g, (t: Tensor) => t.detach()) as Params;
    fast = sgdStep(fast, g, lr);
  }
  return fast;
}

describe('bidirectional lstm MAML against PyTorch', () => {
  it('has the fixture cases', () => {
    expect(cases.length).toBe(4);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    tidy(() => {
      const params = decodeTree(c.params) as Params;
      const tasks = c.tasks.map((task) => decodeTree(task) as Task<Tensor>);
      const metaLoss = (p: Params): Tensor => {
        const losses = tasks.map((task) => {
          const fast = adapt(
            p,
            task.xSupport,
            task.ySupport,
            c.innerSteps,
            c.innerLr,
            c.firstOrder,
          );
          return loss(fast, task.xQuery, task.yQuery);
        });
        return stack(losses).mean();
      };
      const [value, metaGrad] = valueAndGrad(metaLoss)(params);
      expect(Math.abs(value.item() - c.metaLoss)).toBeLessThanOrEqual(RTOL * Math.abs(c.metaLoss));
      const expected = flattenTree(decodeTree(c.metaGrad), 'metaGrad');
      const actual = flattenTree(metaGrad, 'metaGrad');
      expect(actual.paths).toEqual(expected.paths);
      actual.leaves.forEach((g, i) => {
        expectRelativeClose(g, expected.leaves[i], RTOL, expected.paths[i]);
      });
    });
  });
});
