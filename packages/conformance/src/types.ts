import type { Comparison } from './compare.js';
import type { FloatDType } from './fixtures.js';

/**
 * Where a case's reference comes from: a PyTorch float64 fixture, the CPU backend on the same
 * random inputs, or the candidate's own memory counters over a training loop.
 */
export type CaseKind = 'fixture' | 'cross-backend' | 'memory';

/** What a case returns: every comparison it made (none means it failed before comparing). */
export interface CaseOutcome {
  comparisons: Comparison[];
}

/** One conformance case, runnable against any registered backend. */
export interface ConformanceCase {
  /** The op or layer under test, e.g. 'mul', 'conv2d', 'maml-sinusoid'; the report groups by it. */
  op: string;
  /** Unique within the op, e.g. 'mul [2,1,4] [3,1] float32'. */
  name: string;
  kind: CaseKind;
  dtype: FloatDType;
  /** Runs the case with `backend` as the candidate. */
  run(backend: string): Promise<CaseOutcome>;
}

/** The result of one case on one backend. */
export interface CaseResult {
  op: string;
  name: string;
  kind: CaseKind;
  dtype: FloatDType;
  passed: boolean;
  comparisons: Comparison[];
  /** The comparison furthest beyond (or closest to) its tolerance; null when none ran. */
  worst: Comparison | null;
  /** The message of an error the case raised, when it raised one. */
  error?: string;
  durationMs: number;
}

/** Per-op totals of a run. */
export interface OpSummary {
  op: string;
  passed: number;
  failed: number;
  /** The failed case with the worst comparison, or the passed case closest to its tolerance. */
  worst: { case: string; comparison: Comparison | null; error?: string } | null;
}

/** The result of {@link runConformance}. */
export interface ConformanceReport {
  backend: string;
  /** The precisions that ran: float32, plus float64 when the backend stores it. */
  dtypes: FloatDType[];
  passed: boolean;
  cases: CaseResult[];
  ops: OpSummary[];
}
