import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { APP_ROOT, CACHE_DIR } from './browser_harness.js';

const README = join(APP_ROOT, '..', '..', 'README.md');

/** Extracts the ```ts code blocks of a Markdown file, in order. */
function typescriptBlocks(markdown: string): string[] {
  const blocks: string[] = [];
  const fence = /^```ts\n([\s\S]*?)^```$/gm;
  for (const match of markdown.matchAll(fence)) blocks.push(match[1]);
  return blocks;
}

/** The repository's compiler settings, for code that imports the built workspace packages. */
const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2022.d.ts'],
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  isolatedModules: true,
  verbatimModuleSyntax: true,
  types: ['node'],
};

/**
 * Type-checks each block as its own module. The files are virtual but placed in this folder, so
 * that `@metagrad/*` imports resolve to the packages this app depends on.
 */
function compile(blocks: string[]): Map<string, string[]> {
  const files = new Map(
    blocks.map((code, i) => [join(APP_ROOT, 'test', `readme-${i + 1}.ts`), code]),
  );
  const host = ts.createCompilerHost(COMPILER_OPTIONS);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.fileExists = (name) => files.has(name) || fileExists(name);
  host.readFile = (name) => files.get(name) ?? readFile(name);
  host.getSourceFile = (name, version, onError) => {
    const code = files.get(name);
    return code === undefined
      ? getSourceFile(name, version, onError)
      : ts.createSourceFile(name, code, version);
  };
  const program = ts.createProgram([...files.keys()], COMPILER_OPTIONS, host);
  const diagnostics = new Map<string, string[]>([...files.keys()].map((name) => [name, []]));
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const file = diagnostic.file;
    if (file === undefined) {
      diagnostics.set('(global)', [...(diagnostics.get('(global)') ?? []), message]);
      continue;
    }
    const { line } = file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    diagnostics.get(file.fileName)?.push(`line ${line + 1}: ${message}`);
  }
  return diagnostics;
}

describe('README examples', () => {
  const blocks = typescriptBlocks(readFileSync(README, 'utf8'));

  it('has TypeScript examples', () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  it('examples type-check against built packages', () => {
    for (const [file, errors] of compile(blocks)) {
      expect(errors, `${file} (a \`\`\`ts block of README.md)`).toEqual([]);
    }
  });

  it('first example runs', () => {
    const dir = join(CACHE_DIR, 'readme');
    mkdirSync(dir, { recursive: true });
    const script = join(dir, 'example-1.mjs');
    const { outputText } = ts.transpileModule(blocks[0], { compilerOptions: COMPILER_OPTIONS });
    writeFileSync(script, outputText);
    const output = execFileSync(process.execPath, [script], { encoding: 'utf8', timeout: 60_000 });
    expect(output).toMatch(/^meta-loss \d+\.\d{3}$/m);
  });
});
