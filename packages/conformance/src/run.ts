import { type BackendSpec, prepareBackend, supportsFloat64 } from './backend.js';
import { crossBackendCases } from './cases/cross_backend.js';
import { mamlCases } from './cases/maml.js';
import { memoryCases } from './cases/memory.js';
import { nnFixtureCases } from './cases/nn_fixtures.js';
import { opsFixtureCases } from './cases/ops_fixtures.js';
import type { Comparison } from './compare.js';
import type { FloatDType } from './fixtures.js';
import { compareLiveCounts, liveCounts } from './live_counts.js';
import { summarizeOps } from './report.js';
import type { CaseKind, CaseResult, ConformanceCase, ConformanceReport } from './types.js';

/** Options of {@link runConformance}, {@link listCases} and `describeConformance`. */
export interface ConformanceOptions {
  /** Run only the cases of these ops (e.g. ['mul', 'conv2d']); every op by default. */
  ops?: readonly string[];
  /** Run only these kinds of cases; all of them by default. */
  kinds?: readonly CaseKind[];
  /**
   * Run the float64 fixture tier when the backend stores float64. Default true. Backends
   * without float64 skip the tier whatever this option is.
   */
  float64?: boolean;
  /**
   * Length of the one long dimension in the cases that exceed one GPU texture (elementwise
   * ops and matmul), e.g. 16385 for a WebGL MAX_TEXTURE_SIZE of 16384. Default 0, which skips
   * these cases because they take minutes on software GL.
   */
  oversizeDim?: number;
  /** Seed of the random inputs of the cross-backend cases. Default 0. */
  seed?: number;
  /** Training steps measured by each memory case, after two warm-up steps. Default 5. */
  memorySteps?: number;
  /** Called after each case, e.g. to print progress. */
  onCaseResult?: (result: CaseResult) => void;
}

/** Lists the cases that {@link runConformance} would run on the registered backend `name`. */
export function listCases(name: string, options: ConformanceOptions = {}): ConformanceCase[] {
  const dtypes: FloatDType[] =
    options.float64 !== false && supportsFloat64(name) ? ['float32', 'float64'] : ['float32'];
  const kinds = new Set<CaseKind>(options.kinds ?? ['fixture', 'cross-backend', 'memory']);
  const cases: ConformanceCase[] = [];
  if (kinds.has('fixture')) {
    cases.push(...opsFixtureCases(dtypes), ...nnFixtureCases(dtypes), ...mamlCases(dtypes));
  }
  if (kinds.has('cross-backend')) {
    cases.push(...crossBackendCases({ seed: options.seed, oversizeDim: options.oversizeDim }));
  }
  if (kinds.has('memory')) cases.push(...memoryCases({ steps: options.memorySteps }));
  if (!options.ops) return cases;
  const known = new Set(cases.map((c) => c.op));
  const unknown = options.ops.filter((op) => !known.has(op));
  if (unknown.length > 0) {
    throw new Error(
      `conformance: no cases for op(s) ${unknown.map((op) => `'${op}'`).join(', ')}; ` +
        `known ops: ${[...known].sort().join(', ')}`,
    );
  }
  const selected = new Set(options.ops);
  return cases.filter((c) => selected.has(c.op));
}

function worstOf(comparisons: readonly Comparison[]): Comparison | null {
  let worst: Comparison | null = null;
  for (const c of comparisons) if (worst === null || !(c.ratio <= worst.ratio)) worst = c;
  return worst;
}

/** Runs one case on `backend`, catching what it raises, and returns its result. */
export async function runCase(c: ConformanceCase, backend: string): Promise<CaseResult> {
  const start = performance.now();
  const base = { op: c.op, name: c.name, kind: c.kind, dtype: c.dtype };
  const before = liveCounts(backend);
  try {
    const outcome = await c.run(backend);
    // Every case frees what it creates, so a change points at a leak in the backend's path.
    const comparisons = [
      ...outcome.comparisons,
      ...compareLiveCounts('after the case', before, liveCounts(backend)),
    ];
    const passed = outcome.comparisons.length > 0 && comparisons.every((x) => x.passed);
    const result: CaseResult = {
      ...base,
      passed,
      comparisons,
      worst: worstOf(comparisons),
      durationMs: performance.now() - start,
    };
    if (outcome.comparisons.length === 0) result.error = 'the case compared nothing';
    return result;
  } catch (error) {
    return {
      ...base,
      passed: false,
      comparisons: [],
      worst: null,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      durationMs: performance.now() - start,
    };
  }
}

/**
 * Runs every conformance case against `backend` and returns per-case results with a summary
 * per op. The cases are the PyTorch fixtures (ops, layers, MAML meta-gradients) in float32,
 * and in float64 where the backend stores it. Then come the cross-backend checks against the
 * CPU backend on seeded random inputs, and the memory checks over training loops. The CPU
 * backend is registered as the reference if it is not already.
 */
export async function runConformance(
  backend: BackendSpec,
  options: ConformanceOptions = {},
): Promise<ConformanceReport> {
  const name = prepareBackend(backend);
  const cases = listCases(name, options);
  const results: CaseResult[] = [];
  for (const c of cases) {
    const result = await runCase(c, name);
    results.push(result);
    options.onCaseResult?.(result);
  }
  return {
    backend: name,
    dtypes: [...new Set(cases.map((c) => c.dtype))],
    passed: results.every((r) => r.passed),
    cases: results,
    ops: summarizeOps(results),
  };
}
