import '@metagrad/backend-cpu/register';
import { flattenTree, tidy } from '@metagrad/core';
import { describe, expect, it } from 'vitest';
import { metaGradient } from '../src/maml.js';
import type { MlpParams } from '../src/model.js';
import type { TaskBatch } from '../src/tasks.js';
import { type FixtureTensor, readFixture, relativeError, toTensor, toTree } from './fixture.js';

interface MamlCase {
  name: string;
  innerSteps: number;
  innerLr: number;
  firstOrder: boolean;
  params: unknown;
  tasks: Record<'xSupport' | 'ySupport' | 'xQuery' | 'yQuery', FixtureTensor>[];
  metaLoss: number;
  metaGrad: unknown;
}

const { cases } = readFixture<{ cases: MamlCase[] }>('maml_sinusoid.json');

/** The fixture's tasks stacked into one batch: [tasks, points, 1]. */
function batchOf(tasks: MamlCase['tasks']): TaskBatch {
  const stack = (key: keyof MamlCase['tasks'][number]) => {
    const t = tasks[0][key];
    return toTensor({
      shape: [tasks.length, ...t.shape],
      dtype: t.dtype,
      data: tasks.flatMap((task) => task[key].data),
    });
  };
  return {
    amplitude: new Float64Array(tasks.length),
    phase: new Float64Array(tasks.length),
    xSupport: stack('xSupport'),
    ySupport: stack('ySupport'),
    xQuery: stack('xQuery'),
    yQuery: stack('yQuery'),
  };
}

describe('MAML sinusoid meta-gradient against PyTorch (float64)', () => {
  it('covers second and first order, 1 and 2 inner steps', () => {
    const kinds = new Set(cases.map((c) => `${c.firstOrder}-${c.innerSteps}`));
    expect(kinds.size).toBe(4);
  });

  for (const c of cases) {
    it(c.name, () => {
      tidy(() => {
        const params = toTree(c.params) as MlpParams;
        const batch = batchOf(c.tasks);
        const [loss, grads] = metaGradient(params, batch, {
          steps: c.innerSteps,
          lr: c.innerLr,
          firstOrder: c.firstOrder,
        });
        expect(Math.abs(loss.item() - c.metaLoss)).toBeLessThanOrEqual(1e-9 * Math.abs(c.metaLoss));
        const got = flattenTree(grads);
        const want = flattenTree(toTree(c.metaGrad));
        expect(got.paths).toEqual(want.paths);
        got.leaves.forEach((g, i) => {
          const error = relativeError(g.dataSync(), want.leaves[i].dataSync(), 1e-12);
          expect(error, `${c.name}: ${got.paths[i]}`).toBeLessThanOrEqual(1e-9);
        });
      });
    });
  }
});
