import {
  autograd,
  Generator,
  matmul,
  memory,
  randn,
  relu,
  sum,
  type Tensor,
  tidy,
} from '@metagrad/core';
import { describe, expect, it } from 'vitest';
import { openTier, openTiers, tierTitle } from './helpers/tiers.js';

const tiers = openTiers();

/** Runs one training step of a small MLP (forward, loss and gradients), all freed by tidy. */
function step(params: Tensor[], x: Tensor): number {
  return tidy(() => {
    const [w1, b1, w2] = params;
    const hidden = relu(matmul(x, w1).add(b1));
    const loss = sum(matmul(hidden, w2).square());
    const grads = autograd.grad(loss, params);
    return grads.length;
  });
}

for (const tier of tiers) {
  describe.skipIf(!tier.backend)(tierTitle(tier), () => {
    const backend = tier.backend!;
    const name = backend?.name ?? '';

    it('dispose should free every chunk', () => {
      const source = randn([5, 7], { backend: 'cpu' });
      // The first round compiles the upload and add kernels, whose own textures stay cached.
      for (let round = 0; round < 2; round++) {
        const before = backend.stats();
        const t = source.to(name);
        const doubled = t.add(t);
        expect(backend.stats().textures).toBe(before.textures + 2);
        t.dispose();
        doubled.dispose();
        expect(backend.stats().textures).toBe(before.textures);
        if (round === 1) expect(backend.stats().glTextures).toBe(before.glTextures);
      }
    });

    it('live counts should stay flat over 200 training steps', () => {
      const gen = new Generator(1);
      const params = [
        randn([6, 8], { backend: 'cpu', generator: gen }).to(name).requiresGrad_(),
        randn([8], { backend: 'cpu', generator: gen }).to(name).requiresGrad_(),
        randn([8, 2], { backend: 'cpu', generator: gen }).to(name).requiresGrad_(),
      ];
      const x = randn([4, 6], { backend: 'cpu', generator: gen }).to(name);
      // The first steps compile kernels, whose own textures GL counts once.
      for (let i = 0; i < 5; i++) step(params, x);
      const warm = { stats: backend.stats(), tensors: memory().backends[name].numTensors };
      for (let i = 0; i < 200; i++) step(params, x);
      const after = { stats: backend.stats(), tensors: memory().backends[name].numTensors };
      expect(after.tensors).toBe(warm.tensors);
      expect(after.stats.textures).toBe(warm.stats.textures);
      expect(after.stats.glTextures).toBe(warm.stats.glTextures);
      expect(after.stats.kernelsCompiled).toBe(warm.stats.kernelsCompiled);
      for (const p of [...params, x]) p.dispose();
    });

    it('reading freed storage should raise', () => {
      const t = randn([3], { backend: 'cpu' }).to(name);
      const storage = t.dataId;
      t.dispose();
      expect(() => backend.readSync(storage, 'float32')).toThrow(/was freed/);
    });
  });
}

describe.each(tiers.filter((t) => t.backend).map((t) => [t.mode] as const))(
  'gpujs %s kernel cache',
  (mode) => {
    const tier = openTier(mode, { suffix: '-small-cache', kernelCacheSize: 3 });
    const backend = tier.backend!;
    const name = backend.name;

    it('should keep kernels with live outputs and stay bounded otherwise', () => {
      const kept: Tensor[] = [];
      const expected: number[][] = [];
      for (let n = 2; n <= 9; n++) {
        const x = randn([n], { backend: 'cpu', generator: new Generator(n) });
        expected.push(Array.from(x.exp().dataSync()));
        const moved = x.to(name);
        kept.push(moved.exp());
        moved.dispose();
      }
      // Every exp kernel (one per shape) has a live output, so none was evicted.
      expect(backend.stats().kernelCacheSize).toBeGreaterThan(3);
      kept.forEach((t, i) => {
        const got = Array.from(t.dataSync());
        got.forEach((v, j) => expect(v).toBeCloseTo(expected[i][j], 5));
      });
      for (const t of kept) t.dispose();
      for (let n = 10; n <= 16; n++) {
        tidy(() => {
          randn([n], { backend: 'cpu' }).to(name).sin();
        });
      }
      expect(backend.stats().kernelCacheSize).toBeLessThanOrEqual(3);
    });
  },
);
