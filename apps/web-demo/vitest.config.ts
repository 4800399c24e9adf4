import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Building the page, starting Chromium and compiling the README take tens of seconds.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
