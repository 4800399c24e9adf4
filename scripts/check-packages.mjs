#!/usr/bin/env node
// Checks every publishable package as a user would receive it: packs it with pnpm (which
// rewrites workspace: versions), lints the tarball with publint and are-the-types-wrong, then
// installs all tarballs into a clean folder and loads each package from an ESM and a CJS
// consumer, running a tensor op through the CPU backend.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const pnpm = ['--yes', 'pnpm@10.34.9'];
const packagesDir = join(root, 'packages');
const packages = readdirSync(packagesDir)
  .map((dir) => ({
    dir: join(packagesDir, dir),
    manifest: JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8')),
  }))
  .filter(({ manifest }) => !manifest.private);

const run = (command, args, cwd) =>
  execFileSync(command, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

const packDir = mkdtempSync(join(tmpdir(), 'metagrad-pack-'));
const tarballs = {};
for (const { dir, manifest } of packages) {
  const output = run('npx', [...pnpm, 'pack', '--pack-destination', packDir], dir);
  const tarball = output.trim().split('\n').at(-1);
  tarballs[manifest.name] = tarball;
  console.log(`packed ${manifest.name} -> ${tarball}`);
  run('npx', ['publint', '--strict', tarball], root);
  run('npx', ['attw', tarball, '--profile', 'node16', '--format', 'table-flipped'], root);
}

const consumer = mkdtempSync(join(tmpdir(), 'metagrad-consumer-'));
writeFileSync(
  join(consumer, 'package.json'),
  JSON.stringify({ name: 'consumer', private: true, dependencies: tarballs }, null, 2),
);
// Optional dependencies are left out: gpu.js's `gl` would otherwise compile for minutes, and
// gpu.js runs without it in its WebAssembly mode.
run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--omit=optional'], consumer);

const names = Object.keys(tarballs);
const esm = `${names.map((n, i) => `import * as m${i} from '${n}';`).join('\n')}
import '@metagrad/backend-cpu/register';
import { tensor } from '@metagrad/core';
const loaded = [${names.map((_, i) => `m${i}`).join(', ')}];
if (loaded.some((m) => Object.keys(m).length === 0)) throw new Error('a package has no exports');
console.log('esm', tensor([1, 2]).add(1).toString());
`;
const cjs = `const loaded = [${names.map((n) => `require('${n}')`).join(', ')}];
require('@metagrad/backend-cpu/register');
if (loaded.some((m) => Object.keys(m).length === 0)) throw new Error('a package has no exports');
const core = require('@metagrad/core');
console.log('cjs', core.tensor([1, 2]).add(1).toString());
`;
writeFileSync(join(consumer, 'esm.mjs'), esm);
writeFileSync(join(consumer, 'cjs.cjs'), cjs);
console.log(run('node', ['esm.mjs'], consumer).trim());
console.log(run('node', ['cjs.cjs'], consumer).trim());
console.log(`checked ${names.length} packages: ${names.join(', ')}`);
