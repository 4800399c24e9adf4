import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The `gl` addon is not context-aware: it loads in one thread per process, so GL tests run
    // in forked processes (Vitest's default pool), never in worker threads.
    pool: 'forks',
    // Every new shape compiles a shader, which takes tens of milliseconds on software GL
    // (Mesa llvmpipe) and more on a loaded machine.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
