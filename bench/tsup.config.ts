import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/cli.ts', 'src/worker.ts'],
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
  // The bundled CommonJS code of tfjs calls require() for Node built-ins and the wasm backend's
  // loader reads __dirname, neither of which an ES module has.
  banner: {
    js: [
      "import { createRequire as createBundleRequire } from 'node:module';",
      "import { dirname as bundleDirname } from 'node:path';",
      "import { fileURLToPath as bundleFileURLToPath } from 'node:url';",
      'const require = createBundleRequire(import.meta.url);',
      'const __filename = bundleFileURLToPath(import.meta.url);',
      'const __dirname = bundleDirname(__filename);',
    ].join('\n'),
  },
});
