/** A mean with the half-width of its 95% interval. */
export interface Estimate {
  mean: number;
  ci95: number;
  /** Number of observations behind the estimate. */
  count: number;
}

/**
 * Estimates a proportion of successes in independent trials with the normal-approximation
 * 95% interval: 1.96 * sqrt(p (1 - p) / n). For 400 trials at an error near 8% the half-width is
 * about 2.7 points.
 */
export function proportion(successes: number, trials: number): Estimate {
  const p = successes / trials;
  return { mean: p, ci95: 1.96 * Math.sqrt((p * (1 - p)) / trials), count: trials };
}

/**
 * Estimates the mean of `values` with a 95% interval from the t distribution (the normal quantile 1.96
 * beyond 30 values): quantile * sd / sqrt(n).
 */
export function meanInterval(values: ArrayLike<number>): Estimate {
  const n = values.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i];
  mean /= n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (values[i] - mean) ** 2;
  const sd = n > 1 ? Math.sqrt(squares / (n - 1)) : 0;
  return { mean, ci95: (tQuantile975(n - 1) * sd) / Math.sqrt(n), count: n };
}

// Two-sided 95% quantiles of Student's t for 1 to 30 degrees of freedom.
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145,
  2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048,
  2.045, 2.042,
];

function tQuantile975(degrees: number): number {
  if (degrees < 1) return Number.NaN;
  return degrees <= T_975.length ? T_975[degrees - 1] : 1.96;
}

/** Formats an estimate of a fraction as percent: `92.4 ± 1.3%`. */
export function percent(estimate: Estimate): string {
  return `${(100 * estimate.mean).toFixed(1)} ± ${(100 * estimate.ci95).toFixed(1)}%`;
}
