import '@metagrad/backend-cpu/register';
import { Generator, memory, tidy } from '@metagrad/core';
import { Adam } from '@metagrad/optim';
import { describe, expect, it } from 'vitest';
import { metaGradient } from '../src/maml.js';
import { initMlp } from '../src/model.js';
import { sampleTasks } from '../src/tasks.js';

describe('meta-training memory', () => {
  for (const firstOrder of [false, true]) {
    it(`keeps the live tensor count flat (${firstOrder ? 'first' : 'second'} order)`, () => {
      const generator = new Generator(3);
      const optimizer = new Adam(initMlp(generator), { lr: 1e-3 });
      const counts: Record<number, number> = {};
      const bytes: Record<number, number> = {};
      for (let iteration = 1; iteration <= 30; iteration++) {
        tidy(() => {
          const batch = sampleTasks(generator, 5, 10, 10);
          const [loss, grads] = metaGradient(optimizer.params, batch, {
            steps: 2,
            lr: 0.01,
            firstOrder,
          });
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
