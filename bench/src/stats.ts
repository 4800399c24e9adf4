/** Min, median and max of a set of run times, in milliseconds. */
export interface TimingSummary {
  runs: number;
  min: number;
  median: number;
  max: number;
}

/** Summarizes run times; the median of an even count is the mean of the two middle values. */
export function summarize(times: readonly number[]): TimingSummary {
  if (times.length === 0) throw new Error('summarize: no run times to summarize');
  const sorted = [...times].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { runs: sorted.length, min: sorted[0], median, max: sorted[sorted.length - 1] };
}

/**
 * Returns the relative error ||actual - expected||_2 / ||expected||_2 of two flat vectors of
 * the same length. Infinity when `expected` is zero and `actual` is not, NaN when `actual`
 * contains a NaN.
 */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) {
    throw new Error(
      `relativeError: actual has ${actual.length} values but expected has ${expected.length}`,
    );
  }
  let difference = 0;
  let norm = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = actual[i] - expected[i];
    difference += d * d;
    norm += expected[i] * expected[i];
  }
  if (norm === 0) return difference === 0 ? 0 : Number.POSITIVE_INFINITY;
  return Math.sqrt(difference / norm);
}

/** How many timed runs a system gets, decided from the time of its last warm-up run. */
export interface RunPolicy {
  /** Runs when one run is fast (20 by default). */
  runs: number;
  /** Runs when one run takes longer than `slowRunMs` (3 by default). */
  slowRuns: number;
  /** A run longer than this counts as slow. */
  slowRunMs: number;
  /** Time budget of one system on one workload; fewer runs are made when they would exceed it. */
  budgetMs: number;
  /** A setup or warm-up run longer than this is stopped, and the entry is reported as over the cap. */
  capMs: number;
  /**
   * Warm-up: a run that is not slow is repeated until at least 2 runs and this many
   * milliseconds have passed, or `warmupRuns` runs.
   */
  warmupBudgetMs: number;
  warmupRuns: number;
}

export const DEFAULT_POLICY: RunPolicy = {
  runs: 20,
  slowRuns: 3,
  slowRunMs: 10_000,
  budgetMs: 40_000,
  capMs: 30_000,
  warmupBudgetMs: 3_000,
  warmupRuns: 100,
};

/** Decides the number of timed runs for one system, and whether the time budget cut it short. */
export function plannedRuns(
  warmupMs: number,
  policy: RunPolicy,
): { runs: number; overCap: boolean } {
  if (warmupMs > policy.capMs) return { runs: 0, overCap: true };
  const wanted = warmupMs > policy.slowRunMs ? policy.slowRuns : policy.runs;
  const affordable = Math.floor(policy.budgetMs / Math.max(warmupMs, 1e-3));
  if (affordable >= wanted) return { runs: wanted, overCap: false };
  return { runs: Math.max(policy.slowRuns, affordable), overCap: true };
}
