import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/vitest.ts', 'src/cli.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // The fixture loader finds the JSON files through import.meta.url, also in the CJS build.
  shims: true,
  external: ['vitest'],
});
