import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The command-line tests train for a few iterations in a child process each.
    testTimeout: 180_000,
  },
});
