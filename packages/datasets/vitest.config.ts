import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Decoding all Omniglot PNGs takes several seconds on a busy two-core machine.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
