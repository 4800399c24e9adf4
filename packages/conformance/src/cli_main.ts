import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { formatCaseFailure, formatReport } from './report.js';
import { type ConformanceOptions, runConformance } from './run.js';
import type { CaseKind } from './types.js';

export const USAGE = `Usage: metagrad-conformance --backend <name> [options]

Runs the metagrad conformance suite against a registered backend and reports, per op, how
many cases passed and failed and the worst error. Exits with 0 when every case passes, 1
when a case fails, and 2 on invalid arguments.

Options:
  --backend <name>      the backend to certify (required), e.g. cpu or gpujs
  --module <specifier>  a module to import first that registers the backend, e.g.
                        @metagrad/backend-gpujs/register or ./my-backend.js (resolved from the
                        current directory)
  --filter <ops>        run only the cases of these ops, comma-separated, e.g. mul,conv2d
  --kinds <kinds>       run only these kinds of cases, comma-separated: fixture,
                        cross-backend, memory (default: all)
  --oversize-dim <n>    also run the cases with one dimension of n elements, meant to exceed
                        one GPU texture (e.g. 16385); 0, the default, skips them
  --no-float64          skip the float64 fixture tier even when the backend stores float64
  --seed <n>            seed of the cross-backend random inputs (default 0)
  --json                print the full report as JSON instead of text
  --verbose             print each failed case as it finishes (to stderr)
  --help                print this help
`;

const KINDS: readonly CaseKind[] = ['fixture', 'cross-backend', 'memory'];

/** Output streams of the CLI: stdout for the report, stderr for errors and progress. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

class UsageError extends Error {}

function parseCount(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new UsageError(`--${name} must be an integer >= 0, got '${value}'`);
  }
  return n;
}

function parseList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * Imports the module that registers the backend. A path is resolved from the current
 * directory. A package name is resolved from this package first, then from the current
 * directory, because a user's project installs its backend there.
 */
async function importModule(specifier: string): Promise<void> {
  if (specifier.startsWith('.') || isAbsolute(specifier)) {
    await import(pathToFileURL(resolve(specifier)).href);
    return;
  }
  try {
    await import(specifier);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
    const fromCwd = createRequire(join(process.cwd(), 'package.json'));
    await import(pathToFileURL(fromCwd.resolve(specifier)).href);
  }
}

/** Runs the CLI with `argv` (without the node and script paths) and returns the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let options: ConformanceOptions;
  let backend: string;
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        backend: { type: 'string' },
        module: { type: 'string' },
        filter: { type: 'string' },
        kinds: { type: 'string' },
        'oversize-dim': { type: 'string' },
        'no-float64': { type: 'boolean' },
        seed: { type: 'string' },
        json: { type: 'boolean' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
    }));
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    if (typeof values.backend !== 'string' || values.backend === '') {
      throw new UsageError('--backend is required');
    }
    backend = values.backend;
    const kinds = parseList(values.kinds as string | undefined);
    const invalid = kinds?.filter((k) => !KINDS.includes(k as CaseKind)) ?? [];
    if (invalid.length > 0) {
      throw new UsageError(
        `--kinds has unknown kind(s) ${invalid.join(', ')}; use ${KINDS.join(', ')}`,
      );
    }
    options = {
      ops: parseList(values.filter as string | undefined),
      kinds: kinds as CaseKind[] | undefined,
      float64: !values['no-float64'],
      oversizeDim: parseCount('oversize-dim', values['oversize-dim'] as string | undefined, 0),
      seed: parseCount('seed', values.seed as string | undefined, 0),
    };
  } catch (error) {
    io.err(`metagrad-conformance: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }

  try {
    if (typeof values.module === 'string') await importModule(values.module);
    if (values.verbose) {
      options.onCaseResult = (result) => {
        if (!result.passed) io.err(`FAIL ${formatCaseFailure(result)}`);
      };
    }
    const report = await runConformance(backend, options);
    io.out(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
    return report.passed ? 0 : 1;
  } catch (error) {
    io.err((error as Error).message);
    return 2;
  }
}
