import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

function run(args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 170_000 });
}

/** A run small enough to take seconds: most of it is reading and resampling the strokes. */
const TINY = [
  '--iterations',
  '2',
  '--length',
  '6',
  '--hidden-size',
  '4',
  '--meta-batch',
  '2',
  '--eval-episodes',
  '4',
  '--eval-steps',
  '2',
  '--baseline-iterations',
  '2',
];

describe('strokes-lstm command line', () => {
  it('prints usage on --help', () => {
    const result = run(['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('--first-order');
    expect(result.stdout).toContain('--eval-only');
  });

  it('rejects an unknown flag with a usage error', () => {
    const result = run(['--iteratoins', '5']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("Unknown option '--iteratoins'");
    expect(result.stderr).toContain('Usage:');
  });

  it('rejects bad flag values', () => {
    const cases: [string[], string][] = [
      [['--inner-lr', 'abc'], '--inner-lr must be a positive number'],
      [['--hidden-size', '0'], '--hidden-size must be an integer >= 1'],
      [['--ways', '1'], '--ways must be an integer >= 2'],
      [['--train-set', 'small3'], '--train-set must be small1 or small2'],
      [['--eval-shots', '1,x'], '--eval-shots must be a comma-separated list'],
      [['--dtype', 'int32'], '--dtype must be float32 or float64'],
    ];
    for (const [args, message] of cases) {
      const result = run(args);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toContain(message);
    }
  });

  it('rejects --eval-only without --weights, and --weights without --eval-only', () => {
    const alone = run(['--eval-only']);
    expect(alone.status).toBe(2);
    expect(alone.stderr).toContain('--eval-only needs --weights FILE');
    const stray = run(['--weights', 'w.safetensors']);
    expect(stray.status).toBe(2);
    expect(stray.stderr).toContain('--weights is only read with --eval-only');
  });

  it('trains, writes its files, and reloads the weights to the same accuracy', () => {
    const out = mkdtempSync(join(tmpdir(), 'strokes-'));
    const result = run([...TINY, '--out', out]);
    expect(result.status, result.stderr).toBe(0);
    for (const file of ['weights.safetensors', 'results.json', 'training.svg', 'episode.svg']) {
      expect(existsSync(join(out, file)), file).toBe(true);
    }
    expect(readFileSync(join(out, 'episode.svg'), 'utf8')).toContain('<polyline');
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    const reloaded = run([
      '--eval-only',
      '--weights',
      join(out, 'weights.safetensors'),
      '--eval-episodes',
      '4',
      '--eval-steps',
      '2',
    ]);
    expect(reloaded.status, reloaded.stderr).toBe(0);
    const [first, second] = results.reports[0].maml;
    const row = `MAML                ${(100 * first.mean).toFixed(1)} ± ${(100 * first.ci95).toFixed(1)}%`;
    expect(reloaded.stdout).toContain(row);
    expect(reloaded.stdout).toContain(`${(100 * second.mean).toFixed(1)} ±`);
  });

  it('reports a missing weights file', () => {
    const result = run(['--eval-only', '--weights', join(tmpdir(), 'no-such-file.safetensors')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('no-such-file.safetensors');
  });
});
