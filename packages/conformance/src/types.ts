import type { Comparison } from './compare.js';
import type { FloatDType } from './fixtures.js';

/**
 * Where a case's reference comes from: a PyTorch float64 fixture, the CPU backend on the same
 * random inputs, or the candidate's own memory counters over a training loop.
 */
export type CaseKind = 'fixture' | 'cross-backend' | 'memory';

/** What a case returns: every comparison it made (none means it failed before comparing). */
export interface CaseOutcome {
  /** Every comparison of an output or gradient with its reference. */
  comparisons: Comparison[];
}

/** One conformance case, runnable against any registered backend. */
export interface ConformanceCase {
  /** The op or layer under test, e.g. 'mul', 'conv2d', 'maml-sinusoid'; the report groups by it. */
  op: string;
  /** Unique within the op, e.g. 'mul [2,1,4] [3,1] float32'. */
  name: string;
  /** Where the case's reference comes from. */
  kind: CaseKind;
  /** The precision the case runs in. */
  dtype: FloatDType;
  /** Runs the case with `backend` as the candidate. */
  run(backend: string): Promise<CaseOutcome>;
}

/** The result of one case on one backend. */
export interface CaseResult {
  /** The op or layer under test, copied from the case. */
  op: string;
  /** The case name, copied from the case. */
  name: string;
  /** Where the case's reference comes from. */
  kind: CaseKind;
  /** The precision the case ran in. */
  dtype: FloatDType;
  /** Whether the case compared at least one tensor and every comparison passed. */
  passed: boolean;
  /** The case's comparisons, followed by the live-tensor count checks run after it. */
  comparisons: Comparison[];
  /** The comparison furthest beyond (or closest to) its tolerance; null when none ran. */
  worst: Comparison | null;
  /** The message of an error the case raised, when it raised one. */
  error?: string;
  /** The wall-clock time of the case, in milliseconds. */
  durationMs: number;
}

/** Per-op totals of a run. */
export interface OpSummary {
  /** The op or layer that the cases test. */
  op: string;
  /** The number of passed cases. */
  passed: number;
  /** The number of failed cases. */
  failed: number;
  /** The failed case with the worst comparison, or the passed case closest to its tolerance. */
  worst: {
    /** The case name. */
    case: string;
    /** The case's worst comparison; null when it compared nothing. */
    comparison: Comparison | null;
    /** The message of an error the case raised, when it raised one. */
    error?: string;
  } | null;
}

/** The result of {@link runConformance}. */
export interface ConformanceReport {
  /** The name of the certified backend. */
  backend: string;
  /** The precisions that ran: float32, plus float64 when the backend stores it. */
  dtypes: FloatDType[];
  /** Whether every case passed. */
  passed: boolean;
  /** The result of each case, in run order. */
  cases: CaseResult[];
  /** Per-op totals. */
  ops: OpSummary[];
}
