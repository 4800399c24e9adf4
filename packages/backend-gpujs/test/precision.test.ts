import { mean, rand, sum, tanh, tensor } from '@metagrad/core';
import { describe, expect, it } from 'vitest';
import { openTiers, tierTitle } from './helpers/tiers.js';

const tiers = openTiers();

for (const tier of tiers) {
  describe.skipIf(!tier.backend)(tierTitle(tier), () => {
    const name = tier.backend?.name ?? '';

    it('sum of 10^6 float32 values should keep float32 accuracy', () => {
      const x = rand([1_000_000], { backend: 'cpu' });
      const values = x.dataSync();
      let exact = 0;
      for (const v of values) exact += v;
      const got = sum(x.to(name)).item();
      // A serial float32 loop drifts by about 1e-5 relative here; a tree of 128-element blocks
      // stays near float32's own rounding (6e-8).
      expect(Math.abs(got - exact) / exact).toBeLessThan(1e-6);
      const average = mean(x.to(name)).item();
      expect(Math.abs(average - exact / 1e6) / (exact / 1e6)).toBeLessThan(1e-6);
    });

    it('tanh should not overflow', () => {
      const got = Array.from(tanh(tensor([50, -50, 1000, -1000], { backend: name })).dataSync());
      expect(got).toEqual([1, -1, 1, -1]);
    });
  });
}
