import '@metagrad/backend-cpu/register';
import { concat, Generator, mapTree, narrow, randn, type Tensor, tidy } from '@metagrad/core';
import { describe, expect, it } from 'vitest';
import {
  type ConvNetParams,
  featureSize,
  features,
  forward,
  initConvNet,
  replicate,
} from '../src/model.js';

const generator = new Generator(1);

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe('conv net', () => {
  for (const maxPool of [false, true]) {
    const name = maxPool ? 'max-pool' : 'strided';
    it(`${name}: logits [tasks, n, ways]`, () => {
      tidy(() => {
        const config = { ways: 5, filters: 4, maxPool };
        const params = replicate(initConvNet(config, generator), 3);
        const x = randn([3, 6, 1, 28, 28], { generator });
        expect(forward(params, x, config).shape).toEqual([3, 6, 5]);
        expect(features(params, x, config).shape).toEqual([3, 6, featureSize(config)]);
      });
    });
  }

  it('feature size matches the paper for 64 filters', () => {
    expect(featureSize({ filters: 64, maxPool: false })).toBe(256);
    expect(featureSize({ filters: 64, maxPool: true })).toBe(64);
  });

  it('grouped tasks match one call per task', () => {
    tidy(() => {
      const config = { ways: 3, filters: 4, maxPool: false };
      const params = replicate(initConvNet(config, generator, 'float64'), 2);
      const x = randn([2, 5, 1, 28, 28], { generator, dtype: 'float64' });
      // Scale task 1's weights so that the two tasks differ in every layer.
      const scaleTask1 = (t: Tensor) => concat([narrow(t, 0, 0, 1), narrow(t, 0, 1, 1).mul(1.5)]);
      const shifted = mapTree(params, scaleTask1) as ConvNetParams;
      const together = forward(shifted, x, config).dataSync();
      for (let task = 0; task < 2; task++) {
        const own = mapTree(shifted, (t: Tensor) => narrow(t, 0, task, 1)) as ConvNetParams;
        const alone = forward(own, narrow(x, 0, task, 1), config).dataSync();
        const part = together.slice(task * alone.length, (task + 1) * alone.length);
        expect(maxAbsDifference(part, alone)).toBeLessThan(1e-12);
      }
    });
  });

  it('instance statistics make each image independent of its batch', () => {
    tidy(() => {
      const config = { ways: 3, filters: 4, maxPool: false };
      const params = replicate(initConvNet(config, generator, 'float64'), 1);
      const x = randn([1, 4, 1, 28, 28], { generator, dtype: 'float64' });
      const all = forward(params, x, config, 'instance').dataSync();
      const first = forward(params, narrow(x, 1, 0, 1), config, 'instance').dataSync();
      expect(maxAbsDifference(all.slice(0, 3), first)).toBeLessThan(1e-12);
      // With batch statistics the same image gets different logits in a different batch.
      const batchAll = forward(params, x, config, 'batch').dataSync();
      const batchFirst = forward(params, narrow(x, 1, 0, 1).expand([1, 2, 1, 28, 28]), config);
      expect(maxAbsDifference(batchAll.slice(0, 3), batchFirst.dataSync())).toBeGreaterThan(1e-6);
    });
  });
});
