import type { Generator } from '@metagrad/core';
import type { Stroke } from '@metagrad/datasets';
import type { StrokeClass } from '../src/data.js';
import { strokesToSequence } from '../src/strokes.js';

/** Draws a random drawing of one to three strokes of 2 to 6 pen samples each. */
function randomDrawing(generator: Generator): Stroke[] {
  const strokes = 1 + generator.randint(0, 3);
  return Array.from({ length: strokes }, () => {
    const samples = 2 + generator.randint(0, 5);
    return Array.from({ length: samples }, (_, i) => ({
      x: generator.uniform(0, 100),
      y: generator.uniform(-100, 0),
      t: 10 * i,
    }));
  });
}

/** Synthetic characters of random drawings, so that tests run without reading the zips. */
export function randomClasses(
  generator: Generator,
  count: number,
  drawings: number,
  length: number,
): StrokeClass[] {
  return Array.from({ length: count }, (_, c) => {
    const raw = Array.from({ length: drawings }, () => randomDrawing(generator));
    return {
      id: `synthetic/character${c}`,
      alphabet: 'synthetic',
      sequences: raw.map((d) => strokesToSequence(d, length)),
      drawings: raw,
    };
  });
}
