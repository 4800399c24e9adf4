import type { Stroke } from '@metagrad/datasets';
import { describe, expect, it } from 'vitest';
import { loadStrokeSplit } from '../src/data.js';
import { STEP_FEATURES, sequenceToStrokes, strokesToSequence } from '../src/strokes.js';

/** Returns a stroke from (x0, y0) to (x1, y1) sampled at `n` points, times in ms. */
function line(x0: number, y0: number, x1: number, y1: number, n = 5): Stroke {
  return Array.from({ length: n }, (_, i) => ({
    x: x0 + ((x1 - x0) * i) / (n - 1),
    y: y0 + ((y1 - y0) * i) / (n - 1),
    t: 10 * i,
  }));
}

function penFlags(sequence: Float32Array): number[] {
  return Array.from({ length: sequence.length / STEP_FEATURES }, (_, t) => sequence[3 * t + 2]);
}

function rmsOffset(sequence: Float32Array): number {
  let squares = 0;
  const steps = sequence.length / STEP_FEATURES;
  for (let t = 0; t < steps; t++) squares += sequence[3 * t] ** 2 + sequence[3 * t + 1] ** 2;
  return Math.sqrt(squares / steps);
}

describe('strokesToSequence', () => {
  // An L: a horizontal stroke of length 30, then a vertical stroke of length 10 beside it.
  const drawing = [line(0, 0, 30, 0), line(40, -5, 40, 5, 3)];

  it('has shape [length, 3]', () => {
    expect(strokesToSequence(drawing, 16)).toHaveLength(16 * STEP_FEATURES);
    expect(strokesToSequence(drawing, 5)).toHaveLength(5 * STEP_FEATURES);
  });

  it('flags the pen lift before each stroke', () => {
    const flags = penFlags(strokesToSequence(drawing, 16));
    // 14 points beyond one per stroke, split 30 : 10 by length: 10.5 and 3.5, so 11 + 1 and 3 + 1.
    expect(flags[0]).toBe(1);
    expect(flags[12]).toBe(1);
    expect(flags.reduce((a, b) => a + b)).toBe(2);
  });

  it('scales offsets to unit root mean square', () => {
    expect(rmsOffset(strokesToSequence(drawing, 16))).toBeCloseTo(1, 6);
    expect(rmsOffset(strokesToSequence(drawing, 7))).toBeCloseTo(1, 6);
  });

  it('ignores position and size', () => {
    const moved = drawing.map((stroke) =>
      stroke.map((p) => ({ x: 3 * p.x + 100, y: 3 * p.y - 7, t: p.t })),
    );
    const a = strokesToSequence(drawing, 16);
    const b = strokesToSequence(moved, 16);
    a.forEach((v, i) => {
      expect(b[i]).toBeCloseTo(v, 5);
    });
  });

  it('resamples evenly along each stroke', () => {
    const strokes = sequenceToStrokes(strokesToSequence(drawing, 16));
    expect(strokes.map((s) => s.length)).toEqual([12, 4]);
    const [horizontal, vertical] = strokes;
    const spacing = horizontal[1].x - horizontal[0].x;
    expect(spacing).toBeGreaterThan(0);
    for (let i = 1; i < horizontal.length; i++) {
      expect(horizontal[i].y).toBeCloseTo(horizontal[0].y, 5);
      expect(horizontal[i].x - horizontal[i - 1].x).toBeCloseTo(spacing, 5);
    }
    for (const p of vertical) expect(p.x).toBeCloseTo(vertical[0].x, 5);
    // The bounding box is centred on (0, 0): x from -20 to 20 and y from -5 to 5, in units of 1/scale.
    const scale = spacing / (30 / 11);
    expect(horizontal[0].x).toBeCloseTo(-20 * scale, 5);
    expect(vertical[0].y).toBeCloseTo(-5 * scale, 5);
    expect(vertical[3].y).toBeCloseTo(5 * scale, 5);
  });

  it('keeps a one-sample stroke as one point', () => {
    const dotted = [line(0, 0, 10, 0), [{ x: 5, y: 8, t: 0 }]];
    const flags = penFlags(strokesToSequence(dotted, 8));
    expect(flags.reduce((a, b) => a + b)).toBe(2);
    expect(flags[7]).toBe(1);
  });

  it('keeps the longest strokes when there are more strokes than steps', () => {
    const many = [line(0, 0, 1, 0), line(0, 5, 20, 5), line(0, 9, 2, 9), line(0, 12, 30, 12)];
    const strokes = sequenceToStrokes(strokesToSequence(many, 2));
    expect(strokes).toHaveLength(2);
  });

  it('rejects an empty drawing and a bad length', () => {
    expect(() => strokesToSequence([], 8)).toThrow('no pen samples');
    expect(() => strokesToSequence(drawing, 0)).toThrow('length must be an integer >= 1');
  });
});

describe('loadStrokeSplit', () => {
  it('splits the real strokes into unseen test alphabets', () => {
    const split = loadStrokeSplit('small1', 12);
    expect(split.trainAlphabets).toContain('Greek');
    expect(split.trainAlphabets).toContain('Latin');
    for (const alphabet of split.testAlphabets) {
      expect(split.trainAlphabets).not.toContain(alphabet);
    }
    expect(split.testAlphabets.length).toBeGreaterThan(0);
    for (const c of [...split.train, ...split.test]) {
      expect(c.sequences).toHaveLength(20);
      for (const sequence of c.sequences) {
        expect(sequence).toHaveLength(12 * STEP_FEATURES);
        expect(sequence.every(Number.isFinite)).toBe(true);
        expect(sequence[2]).toBe(1);
      }
    }
  });
});
