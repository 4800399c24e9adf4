import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

function run(args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
}

/** Small settings, so each run takes a few seconds. */
const QUICK = [
  '--iterations',
  '12',
  '--meta-batch',
  '4',
  '--eval-tasks',
  '20',
  '--baseline-iterations',
  '3',
];

describe('maml-sinusoid command line', () => {
  it('prints usage on --help', () => {
    const result = run(['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('--first-order');
  });

  it('rejects an unknown flag with a usage error', () => {
    const result = run(['--iteratoins', '5']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("Unknown option '--iteratoins'");
    expect(result.stderr).toContain('Usage:');
  });

  it('rejects a bad flag value', () => {
    const result = run(['--inner-lr', 'abc']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--inner-lr must be a positive number');
  });

  it('writes weights, results and plots, and reloads the weights', () => {
    const out = mkdtempSync(join(tmpdir(), 'maml-'));
    const result = run([...QUICK, '--out', out]);
    expect(result.status, result.stderr).toBe(0);
    for (const file of [
      'weights.safetensors',
      'checkpoint.safetensors',
      'results.json',
      'loss.svg',
      'tasks.svg',
    ]) {
      expect(existsSync(join(out, file)), file).toBe(true);
    }
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    const reloaded = run([
      '--eval-only',
      '--weights',
      join(out, 'weights.safetensors'),
      '--eval-tasks',
      '20',
    ]);
    expect(reloaded.status, reloaded.stderr).toBe(0);
    const first = results.maml[0].mean.toFixed(3);
    expect(reloaded.stdout).toContain(`${first} ±`);
  });

  it('resumes an interrupted run to the same numbers, bit for bit', () => {
    const straight = mkdtempSync(join(tmpdir(), 'maml-'));
    const interrupted = mkdtempSync(join(tmpdir(), 'maml-'));
    execFileSync(process.execPath, [cli, ...QUICK, '--out', straight]);
    execFileSync(process.execPath, [
      cli,
      ...QUICK.map((v) => (v === '12' ? '5' : v)),
      '--out',
      interrupted,
    ]);
    execFileSync(process.execPath, [cli, ...QUICK, '--out', interrupted, '--resume']);
    const a = readFileSync(join(straight, 'weights.safetensors'));
    const b = readFileSync(join(interrupted, 'weights.safetensors'));
    expect(Buffer.compare(a, b)).toBe(0);
  });

  it('gives the same numbers for the same seed', () => {
    const one = mkdtempSync(join(tmpdir(), 'maml-'));
    const two = mkdtempSync(join(tmpdir(), 'maml-'));
    execFileSync(process.execPath, [cli, ...QUICK, '--out', one, '--first-order']);
    execFileSync(process.execPath, [cli, ...QUICK, '--out', two, '--first-order']);
    const a = JSON.parse(readFileSync(join(one, 'results.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(two, 'results.json'), 'utf8'));
    expect(a.maml).toEqual(b.maml);
    expect(a.finalLoss).toBe(b.finalLoss);
  });
});
