import { describe, expect, it } from 'vitest';
import { flattenParams, permute } from '../src/data.js';
import { DEFAULT_POLICY, plannedRuns, relativeError, summarize } from '../src/stats.js';

describe('summarize', () => {
  it('takes the middle value of an odd count', () => {
    expect(summarize([5, 1, 3])).toEqual({ runs: 3, min: 1, median: 3, max: 5 });
  });

  it('averages the two middle values of an even count', () => {
    expect(summarize([4, 1, 3, 2]).median).toBe(2.5);
  });

  it('rejects an empty list', () => {
    expect(() => summarize([])).toThrow(/no run times/);
  });
});

describe('relativeError', () => {
  it('is zero for equal vectors', () => {
    expect(relativeError([1, -2, 3], [1, -2, 3])).toBe(0);
  });

  it('divides the difference norm by the reference norm', () => {
    // ||[3, 4] - [0, 0]|| would be infinite; ||[3, 4] - [3, 0]|| / ||[3, 0]|| = 4 / 3.
    expect(relativeError([3, 4], [3, 0])).toBeCloseTo(4 / 3, 12);
  });

  it('is NaN when the gradient holds a NaN', () => {
    expect(relativeError([Number.NaN, 1], [1, 1])).toBeNaN();
  });

  it('rejects vectors of different lengths', () => {
    expect(() => relativeError([1], [1, 2])).toThrow(/1 values but expected has 2/);
  });
});

describe('plannedRuns', () => {
  const policy = { ...DEFAULT_POLICY, runs: 20, slowRuns: 3, slowRunMs: 10_000, budgetMs: 40_000 };

  it('gives the full count to a fast run', () => {
    expect(plannedRuns(5, policy)).toEqual({ runs: 20, overCap: false });
  });

  it('gives the slow count to a run over the slow threshold', () => {
    expect(plannedRuns(12_000, policy)).toEqual({ runs: 3, overCap: false });
  });

  it('cuts the runs that would exceed the budget', () => {
    expect(plannedRuns(4_000, policy)).toEqual({ runs: 10, overCap: true });
  });

  it('skips the timed runs past the cap', () => {
    expect(plannedRuns(policy.capMs + 1, policy)).toEqual({ runs: 0, overCap: true });
  });
});

describe('permute', () => {
  it('moves NCHW to NHWC', () => {
    // x[n][c][h][w] = 1000 n + 100 c + 10 h + w, shape [1, 2, 1, 3].
    const data = Float64Array.from([0, 1, 2, 100, 101, 102]);
    const nhwc = permute({ shape: [1, 2, 1, 3], data }, [0, 2, 3, 1]);
    expect(nhwc.shape).toEqual([1, 1, 3, 2]);
    expect([...nhwc.data]).toEqual([0, 100, 1, 101, 2, 102]);
  });

  it('round-trips with the inverse permutation', () => {
    const data = Float64Array.from({ length: 24 }, (_, i) => i);
    const permuted = permute({ shape: [2, 3, 4], data }, [2, 0, 1]);
    const back = permute(permuted, [1, 2, 0]);
    expect(back.shape).toEqual([2, 3, 4]);
    expect([...back.data]).toEqual([...data]);
  });
});

describe('flattenParams', () => {
  it('concatenates in the given order', () => {
    const params = {
      b: { shape: [1], data: Float64Array.from([3]) },
      a: { shape: [2], data: Float64Array.from([1, 2]) },
    };
    expect([...flattenParams(params, ['a', 'b'])]).toEqual([1, 2, 3]);
  });

  it('names a missing parameter', () => {
    expect(() => flattenParams({}, ['w'])).toThrow(/'w' is missing/);
  });
});
