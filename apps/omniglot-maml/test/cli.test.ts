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

/** A net with 2 filters and a short evaluation, so a whole run takes seconds. */
const QUICK = ['--filters', '2', '--iterations', '3', '--meta-batch', '2', '--run-episodes', '1'];

describe('omniglot-maml command line', () => {
  it('prints usage on --help', () => {
    const result = run(['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('--first-order');
    expect(result.stdout).toContain('--max-pool');
  });

  it('rejects an unknown flag with a usage error', () => {
    const result = run(['--inner-lr', '0.4', '--wyas', '5']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("Unknown option '--wyas'");
    expect(result.stderr).toContain('Usage:');
  });

  it('rejects bad flag values', () => {
    const cases: [string[], string][] = [
      [['--inner-lr', 'abc'], '--inner-lr must be a positive number'],
      [['--ways', '1'], '--ways must be an integer >= 2'],
      [['--shots', '5', '--queries', '16'], '--shots + --queries must be at most 20'],
      [['--train-set', 'small2'], '--train-set must be both or small1'],
      [['--paper', '--iterations', '5'], '--paper sets the iterations'],
      [['--eval-only'], '--eval-only needs --weights FILE'],
    ];
    for (const [args, message] of cases) {
      const result = run(args);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toContain(message);
    }
  });

  it('writes weights, results and figures, and reloads the weights', () => {
    const out = mkdtempSync(join(tmpdir(), 'omniglot-'));
    const result = run([...QUICK, '--out', out]);
    expect(result.status, result.stderr).toBe(0);
    for (const file of ['weights.safetensors', 'results.json', 'training.svg', 'episode.svg']) {
      expect(existsSync(join(out, file)), file).toBe(true);
    }
    expect(readFileSync(join(out, 'episode.svg'), 'utf8')).toContain('data:image/png;base64,');
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    const reloadedOut = mkdtempSync(join(tmpdir(), 'omniglot-'));
    const reloaded = run([
      '--eval-only',
      '--weights',
      join(out, 'weights.safetensors'),
      '--run-episodes',
      '1',
      '--out',
      reloadedOut,
    ]);
    expect(reloaded.status, reloaded.stderr).toBe(0);
    const again = JSON.parse(readFileSync(join(reloadedOut, 'results.json'), 'utf8'));
    expect(again.results).toEqual(results.results);
  });
});
