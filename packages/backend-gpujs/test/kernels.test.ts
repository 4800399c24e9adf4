import { Generator, KERNEL_NAMES, runKernel, setBackend } from '@metagrad/core';
import { describe, expect, it } from 'vitest';
import { gpujsKernels } from '../src/index.js';
import { mismatches } from './helpers/compare.js';
import { KERNEL_CASES } from './helpers/kernel_cases.js';
import { openTiers, REQUIRE_ALL_TIERS, tierTitle } from './helpers/tiers.js';

const tiers = openTiers();

describe('kernel table', () => {
  it('should implement every kernel name of core', () => {
    expect(Object.keys(gpujsKernels).sort()).toEqual([...KERNEL_NAMES].sort());
  });

  it('should test every kernel name', () => {
    const tested = new Set(KERNEL_CASES.map((c) => c.kernel));
    expect(KERNEL_NAMES.filter((name) => !tested.has(name))).toEqual([]);
  });
});

for (const tier of tiers) {
  describe.skipIf(!tier.backend)(tierTitle(tier), () => {
    const name = tier.backend?.name ?? '';
    it.each(KERNEL_CASES.map((c) => [`${c.kernel}: ${c.name}`, c] as const))('%s', (_, c) => {
      // Kernels without inputs (Fill) run on the active backend.
      setBackend('cpu');
      const inputs = c.inputs(new Generator(7));
      const want = runKernel(c.kernel, inputs, c.attrs as never);
      setBackend(name);
      const got = runKernel(
        c.kernel,
        inputs.map((t) => t.to(name)),
        c.attrs as never,
      );
      setBackend('cpu');
      expect(got.backend).toBe(name);
      expect(mismatches(got, want, c.tolerance)).toEqual([]);
    });
  });
}

describe.runIf(REQUIRE_ALL_TIERS)('every tier required', () => {
  it.each(tiers.map((t) => [t.mode, t] as const))('%s should be available', (mode, tier) => {
    if (!tier.backend) {
      throw new Error(
        `METAGRAD_REQUIRE_ALL_TIERS=1 requires the ${mode} tier, which is unavailable: ${tier.unavailable}`,
      );
    }
  });
});
