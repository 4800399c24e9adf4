import { describeConformance } from '@metagrad/conformance/vitest';
import { describe } from 'vitest';
import { openTiers, tierTitle } from './helpers/tiers.js';

// The whole conformance suite (PyTorch fixtures in float32, cross-backend checks against the
// CPU backend, flat memory in training loops) on each gpu.js mode that starts here. The GL
// tier skips without a display or a built `gl`; kernels.test.ts fails the run instead when
// METAGRAD_REQUIRE_ALL_TIERS=1.
for (const tier of openTiers({ suffix: '-conformance' })) {
  if (tier.backend) describeConformance(tier.backend.name);
  else describe.skip(tierTitle(tier), () => {});
}
