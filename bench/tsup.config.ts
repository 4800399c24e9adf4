import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/cli.ts'],
  format: ['esm'],
  dts: false,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // TensorFlow.js registers its gradients only from its ESM sources (the Node bundle of
  // tfjs-core leaves them out), and Node cannot load those sources directly, so they are bundled.
  noExternal: [/^@tensorflow\//],
  // js-pytorch loads its GPU dependency (and the native `gl` module) lazily, so it stays external.
  external: ['js-pytorch', '@jax-js/jax'],
});
