import '@metagrad/backend-cpu/register';
import { type GpujsBackend, type GpujsMode, registerGpujsBackend } from '../../src/index.js';

/** A gpu.js mode the tests run in, with its backend or the reason it is unavailable. */
export interface Tier {
  readonly mode: GpujsMode;
  readonly backend: GpujsBackend | null;
  readonly unavailable: string;
}

/** Whether CI asked every tier to run, so that an unavailable tier fails instead of skipping. */
export const REQUIRE_ALL_TIERS = process.env.METAGRAD_REQUIRE_ALL_TIERS === '1';

/**
 * Registers the gpujs backend in `mode` under the name `gpujs-<mode><suffix>`. Headless GL
 * may be unavailable (no display or no built `gl`); the tier then records why.
 */
export function openTier(
  mode: GpujsMode,
  options: { maxChunkElements?: number; suffix?: string; kernelCacheSize?: number } = {},
): Tier {
  try {
    const backend = registerGpujsBackend({
      mode,
      name: `gpujs-${mode}${options.suffix ?? ''}`,
      maxChunkElements: options.maxChunkElements,
      kernelCacheSize: options.kernelCacheSize,
    });
    return { mode, backend, unavailable: '' };
  } catch (error) {
    if (mode !== 'headlessgl') throw error;
    // The message names the reason and how to enable headless GL.
    const reason = error instanceof Error ? error.message : String(error);
    return { mode, backend: null, unavailable: reason };
  }
}

/** Opens the tiers every test file runs: webasm always, headlessgl where it starts. */
export function openTiers(
  options: { maxChunkElements?: number; suffix?: string; kernelCacheSize?: number } = {},
): Tier[] {
  return [openTier('webasm', options), openTier('headlessgl', options)];
}

/** Returns the describe title of a tier, with the reason when it skips. */
export function tierTitle(tier: Tier): string {
  if (tier.backend) return `gpujs ${tier.mode}`;
  return `gpujs ${tier.mode} (skipped: ${tier.unavailable})`;
}
