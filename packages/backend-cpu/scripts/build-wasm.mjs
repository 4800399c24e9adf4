// Compiles src/wasm/*.wat with wabt and writes each module as base64 into a TypeScript file
// beside it (gemm.wat -> gemm_wasm.ts), so the package ships no separate .wasm file and needs
// no network or file access at run time. Runs before tsup in `pnpm build`.
//
// Each module is emitted twice: as written, and with its memory import marked shared, for use
// from several threads. A module whose memory import is not `(memory 1 65536)` is an error.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import initWabt from 'wabt';

const wasmDir = fileURLToPath(new URL('../src/wasm/', import.meta.url));
const wabt = await initWabt();
const MEMORY_IMPORT = '(memory 1 65536)';

function compile(file, source, { shared }) {
  const module = wabt.parseWat(file, source, { simd: true, threads: true });
  // NOTE: wabt 1.0.39's validate() rejects shared memories even with the threads feature on,
  // so the shared variant is checked by the engine when it is compiled (and in the tests).
  if (!shared) module.validate();
  const { buffer } = module.toBinary({});
  module.destroy();
  return Buffer.from(buffer).toString('base64');
}

for (const file of readdirSync(wasmDir).filter((name) => name.endsWith('.wat'))) {
  const source = readFileSync(join(wasmDir, file), 'utf8');
  if (!source.includes(MEMORY_IMPORT)) {
    throw new Error(`${file}: expected a memory import written as ${MEMORY_IMPORT}`);
  }
  const shared = source.replace(MEMORY_IMPORT, '(memory 1 65536 shared)');
  const name = file.replace(/\.wat$/, '');
  const constant = `${name.toUpperCase()}_WASM_BASE64`;
  const text =
    `// Generated from ${file} by scripts/build-wasm.mjs; edit the .wat file and rebuild.\n` +
    `export const ${constant} =\n  '${compile(file, source, { shared: false })}';\n\n` +
    `/** The same module with a shared memory import. */\n` +
    `export const ${constant}_SHARED =\n  '${compile(file, shared, { shared: true })}';\n`;
  writeFileSync(join(wasmDir, `${name}_wasm.ts`), text);
}
