import { autograd, Generator, randn, setBackend, sum, type Tensor } from '@metagrad/core';
import { avgPool2d, conv2d, initConv2d, initLstm, lstm, relu } from '@metagrad/nn-functional';
import { describe, expect, it } from 'vitest';
import { openTiers, tierTitle } from './helpers/tiers.js';

const tiers = openTiers();

/**
 * Runs `fn` (a forward and backward pass) and returns how many readbacks it made, then
 * checks that reading the results back is what transfers data to the host.
 */
function readbacksDuring(backend: { stats(): { readbacks: number } }, fn: () => Tensor[]) {
  const before = backend.stats().readbacks;
  const results = fn();
  const during = backend.stats().readbacks - before;
  for (const r of results) r.dataSync();
  const onRead = backend.stats().readbacks - before - during;
  return { during, onRead, results };
}

for (const tier of tiers) {
  describe.skipIf(!tier.backend)(tierTitle(tier), () => {
    const backend = tier.backend!;
    const name = backend?.name ?? '';

    it('conv layer forward and backward should not read back', () => {
      setBackend(name);
      try {
        const gen = new Generator(4);
        const { weight, bias } = initConv2d(3, 4, 3, { generator: gen });
        weight.requiresGrad_();
        bias!.requiresGrad_();
        const x = randn([2, 3, 8, 8], { generator: gen });
        const { during, onRead } = readbacksDuring(backend, () => {
          const y = avgPool2d(relu(conv2d(x, weight, bias, { padding: 1 })), { kernelSize: 2 });
          const loss = sum(y.square());
          return [loss, ...(autograd.grad(loss, [weight, bias!]) as Tensor[])];
        });
        expect(during).toBe(0);
        expect(onRead).toBeGreaterThan(0);
      } finally {
        setBackend('cpu');
      }
    });

    it('lstm of 3 steps forward and backward should not read back', () => {
      setBackend(name);
      try {
        const gen = new Generator(5);
        const weights = initLstm({ inputSize: 4, hiddenSize: 5 }, gen);
        const list = Object.values(weights);
        for (const w of list) w.requiresGrad_();
        const x = randn([3, 2, 4], { generator: gen });
        const { during, onRead } = readbacksDuring(backend, () => {
          const [output] = lstm(x, undefined, weights);
          const loss = sum(output.square());
          return [loss, ...(autograd.grad(loss, list) as Tensor[])];
        });
        expect(during).toBe(0);
        expect(onRead).toBeGreaterThan(0);
      } finally {
        setBackend('cpu');
      }
    });
  });
}
