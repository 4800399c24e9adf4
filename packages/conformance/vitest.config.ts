import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The MAML cases run two inner steps of second-order differentiation; on a loaded
    // 2-core machine one of them can take a few seconds.
    testTimeout: 60_000,
  },
});
