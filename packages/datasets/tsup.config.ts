import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // The CJS build needs import.meta.url shimmed to locate the bundled data folder.
  shims: true,
  // fast-png 8 and its iobuffer dependency ship only as ES modules, which Node before 20.19
  // cannot require(), so both are bundled to keep the CJS build loadable on all of Node 20.
  noExternal: ['fast-png', 'iobuffer'],
});
