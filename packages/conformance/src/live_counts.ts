import { memory } from '@metagrad/core';
import type { Comparison } from './compare.js';

/** Live tensors, bytes and storage buffers of one backend, from core's memory(). */
export function liveCounts(backend: string): Record<string, number> {
  const entry = memory().backends[backend];
  return {
    'live tensors': entry?.numTensors ?? 0,
    'live bytes': entry?.numBytes ?? 0,
    'data buffers': entry?.numDataBuffers ?? 0,
  };
}

/** One comparison per counter, passing only when the counter did not change. */
export function compareLiveCounts(
  when: string,
  before: Record<string, number>,
  after: Record<string, number>,
): Comparison[] {
  return Object.keys(before).map((key) => {
    const passed = after[key] === before[key];
    const change = Math.abs(after[key] - before[key]);
    const comparison: Comparison = {
      label: `${key} ${when}`,
      passed,
      error: before[key] === 0 ? change : change / before[key],
      tolerance: { rtol: 0, atol: 0 },
      ratio: passed ? 0 : Infinity,
    };
    if (!passed) comparison.detail = `${before[key]} before, ${after[key]} after`;
    return comparison;
  });
}
