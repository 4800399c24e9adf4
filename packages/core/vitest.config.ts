import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // gradcheck and gradgradcheck run the model hundreds of times; on a loaded 2-core
    // machine a single check can take several seconds.
    testTimeout: 60_000,
  },
});
