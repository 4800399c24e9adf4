import '@metagrad/backend-cpu/register';
import { Generator, memory, tidy } from '@metagrad/core';
import { Adam } from '@metagrad/optim';
import { describe, expect, it } from 'vitest';
import { sampleTaskBatch } from '../src/data.js';
import { metaGradient } from '../src/maml.js';
import { initConvNet } from '../src/model.js';
import { syntheticClasses } from './synthetic.js';

describe('meta-training memory', () => {
  for (const firstOrder of [false, true]) {
    it(`keeps the live tensor count flat (${firstOrder ? 'first' : 'second'} order)`, () => {
      const classes = syntheticClasses(8);
      const generator = new Generator(3);
      const config = { ways: 3, filters: 2, maxPool: false };
      const optimizer = new Adam(initConvNet(config, generator), { lr: 1e-3 });
      const sampling = { tasks: 2, ways: 3, shots: 1, queries: 2, augment: true };
      const counts: Record<number, number> = {};
      const bytes: Record<number, number> = {};
      for (let iteration = 1; iteration <= 30; iteration++) {
        tidy(() => {
          const batch = sampleTaskBatch(classes, sampling, generator);
          const inner = { steps: 2, lr: 0.4, firstOrder };
          const result = metaGradient(optimizer.params, batch, inner, config);
          optimizer.step(result.grads);
          return result.loss.item();
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
