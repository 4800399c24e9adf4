import { describe, expect, it } from 'vitest';
import { expForFloat32, sigmoidForFloat32, tanhForFloat32 } from '../src/kernels/float32_math.js';

// The polynomial exp, sigmoid and tanh against Math, on float32 inputs of every magnitude.

const references: [string, (x: number) => number, (x: number) => number][] = [
  ['exp', expForFloat32, Math.exp],
  ['sigmoid', sigmoidForFloat32, (x) => 1 / (1 + Math.exp(-x))],
  ['tanh', tanhForFloat32, Math.tanh],
];

/** 20000 float32 inputs spread over magnitudes from 1e-30 to 120, both signs. */
const inputs = Array.from({ length: 20000 }, (_, i) => {
  const magnitude = 10 ** (-30 + (32 * ((i * 7919) % 20000)) / 20000);
  return Math.fround((i % 2 === 0 ? 1 : -1) * Math.min(magnitude, 120));
});

describe.each(references)('%s for float32', (_name, fast, reference) => {
  it('within 3e-14 of Math in relative terms', () => {
    let worst = 0;
    for (const x of inputs) {
      const want = reference(x);
      if (want === 0 || !Number.isFinite(want)) continue;
      worst = Math.max(worst, Math.abs(fast(x) - want) / Math.abs(want));
    }
    expect(worst).toBeLessThan(3e-14);
  });

  it('rounds to the same float32 as Math', () => {
    const differing = inputs.filter((x) => Math.fround(fast(x)) !== Math.fround(reference(x)));
    expect(differing).toEqual([]);
  });

  it('special values', () => {
    for (const x of [0, -0, Number.NaN, Infinity, -Infinity, 88.7, 89, -103, -104, 1e-40]) {
      expect(Object.is(Math.fround(fast(x)), Math.fround(reference(x)))).toBe(true);
    }
  });
});
