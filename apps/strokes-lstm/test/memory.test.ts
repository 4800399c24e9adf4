import '@metagrad/backend-cpu/register';
import { Generator, memory, tidy } from '@metagrad/core';
import { Adam } from '@metagrad/optim';
import { describe, expect, it } from 'vitest';
import { metaGradient } from '../src/maml.js';
import { initStrokeNet } from '../src/model.js';
import { sampleTasks, type TrainConfig } from '../src/train.js';
import { randomClasses } from './tiny.js';

const CONFIG: TrainConfig = {
  iterations: 30,
  seed: 0,
  ways: 2,
  shots: 1,
  queries: 1,
  hiddenSize: 2,
  length: 3,
  innerSteps: 1,
  innerLr: 0.4,
  metaLr: 0.003,
  metaBatch: 2,
  firstOrder: false,
  dtype: 'float32',
  trainSet: 'small1',
};

describe('meta-training memory', () => {
  for (const firstOrder of [false, true]) {
    it(`keeps the live tensor count flat (${firstOrder ? 'first' : 'second'} order)`, () => {
      const generator = new Generator(3);
      const classes = randomClasses(generator, 4, 3, CONFIG.length);
      const optimizer = new Adam(initStrokeNet(CONFIG.hiddenSize, CONFIG.ways, generator), {
        lr: CONFIG.metaLr,
      });
      const inner = { steps: 2, lr: CONFIG.innerLr, firstOrder };
      const counts: Record<number, number> = {};
      const bytes: Record<number, number> = {};
      for (let iteration = 1; iteration <= 30; iteration++) {
        tidy(() => {
          const { tasks } = sampleTasks(classes, CONFIG, generator);
          const { loss, grads } = metaGradient(optimizer.params, tasks, inner);
          optimizer.step(grads);
          return loss.item();
        });
        counts[iteration] = memory().numTensors;
        bytes[iteration] = memory().numBytes;
      }
      expect(counts[30]).toBe(counts[3]);
      expect(bytes[30]).toBe(bytes[3]);
      optimizer.dispose();
    });
  }
});
