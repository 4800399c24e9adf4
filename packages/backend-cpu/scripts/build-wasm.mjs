// Compiles src/wasm/*.wat with wabt and writes each module as base64 into a TypeScript file
// beside it (gemm.wat -> gemm_wasm.ts), so the package ships no separate .wasm file and needs
// no network or file access at run time. Runs before tsup in `pnpm build`.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import initWabt from 'wabt';

const wasmDir = fileURLToPath(new URL('../src/wasm/', import.meta.url));
const wabt = await initWabt();

for (const file of readdirSync(wasmDir).filter((name) => name.endsWith('.wat'))) {
  const source = readFileSync(join(wasmDir, file), 'utf8');
  const module = wabt.parseWat(file, source, { simd: true });
  module.validate();
  const { buffer } = module.toBinary({});
  module.destroy();
  const name = file.replace(/\.wat$/, '');
  const constant = `${name.toUpperCase()}_WASM_BASE64`;
  const text =
    `// Generated from ${file} by scripts/build-wasm.mjs; edit the .wat file and rebuild.\n` +
    `export const ${constant} =\n  '${Buffer.from(buffer).toString('base64')}';\n`;
  writeFileSync(join(wasmDir, `${name}_wasm.ts`), text);
}
