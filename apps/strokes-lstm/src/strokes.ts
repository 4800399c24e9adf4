import type { Stroke } from '@metagrad/datasets';

/** Features of one time step: the pen offset dx, dy (y grows upward) and the pen-lifted flag. */
export const STEP_FEATURES = 3;

/** A point of a resampled drawing, with the index of the stroke it lies on. */
interface SampledPoint {
  x: number;
  y: number;
  stroke: number;
}

function strokeLength(stroke: Stroke): number {
  let length = 0;
  for (let i = 1; i < stroke.length; i++) {
    length += Math.hypot(stroke[i].x - stroke[i - 1].x, stroke[i].y - stroke[i - 1].y);
  }
  return length;
}

/** Returns the point at arc length `distance` along the polyline `stroke`. */
function pointAt(stroke: Stroke, distance: number): { x: number; y: number } {
  let travelled = 0;
  for (let i = 1; i < stroke.length; i++) {
    const a = stroke[i - 1];
    const b = stroke[i];
    const segment = Math.hypot(b.x - a.x, b.y - a.y);
    if (segment > 0 && travelled + segment >= distance) {
      const u = (distance - travelled) / segment;
      return { x: a.x + u * (b.x - a.x), y: a.y + u * (b.y - a.y) };
    }
    travelled += segment;
  }
  const last = stroke[stroke.length - 1];
  return { x: last.x, y: last.y };
}

/**
 * Splits `total` points among strokes: one each, and the rest in proportion to the strokes'
 * lengths by the largest-remainder method, so that the spacing along the ink is nearly even.
 */
function allocatePoints(lengths: number[], total: number): number[] {
  const counts = lengths.map(() => 1);
  const extra = total - lengths.length;
  const ink = lengths.reduce((a, b) => a + b, 0);
  // A drawing made only of dots has no length to share out, so every stroke counts the same.
  const shares = lengths.map((l) => (ink > 0 ? (extra * l) / ink : extra / lengths.length));
  let given = 0;
  shares.forEach((share, i) => {
    counts[i] += Math.floor(share);
    given += Math.floor(share);
  });
  const byRemainder = shares
    .map((share, i) => ({ i, remainder: share - Math.floor(share) }))
    .sort((a, b) => b.remainder - a.remainder || a.i - b.i);
  for (let k = 0; k < extra - given; k++) counts[byRemainder[k].i] += 1;
  return counts;
}

/**
 * Resamples a drawing to `length` points evenly spaced along each stroke. A stroke that gets
 * one point is represented by its midpoint. When a drawing has more strokes than `length`,
 * only the `length` longest strokes are kept, in drawing order.
 */
function resample(strokes: readonly Stroke[], length: number): SampledPoint[] {
  let kept = strokes.map((stroke, index) => ({ stroke, index, length: strokeLength(stroke) }));
  if (kept.length > length) {
    const longest = [...kept].sort((a, b) => b.length - a.length || a.index - b.index);
    const chosen = new Set(longest.slice(0, length).map((s) => s.index));
    kept = kept.filter((s) => chosen.has(s.index));
  }
  const counts = allocatePoints(
    kept.map((s) => s.length),
    length,
  );
  const points: SampledPoint[] = [];
  kept.forEach(({ stroke, length: arc }, strokeIndex) => {
    const n = counts[strokeIndex];
    for (let j = 0; j < n; j++) {
      const distance = n === 1 ? arc / 2 : (j * arc) / (n - 1);
      points.push({ ...pointAt(stroke, distance), stroke: strokeIndex });
    }
  });
  return points;
}

/**
 * Turns one drawing into a sequence of `length` steps of {@link STEP_FEATURES} values, in a
 * Float32Array laid out [length, 3]:
 *
 * - The drawing is resampled to `length` points, evenly spaced along each stroke, with each
 *   stroke given points in proportion to its length (and at least one).
 * - Step t contains the offset (dx, dy) from point t-1 to point t. Step 0 contains the offset from the
 *   centre of the drawing's bounding box to its first point, so the sequence fixes the position
 *   of every point relative to that centre.
 * - The third value is 1 where the pen was lifted to reach point t (the first point of every
 *   stroke, step 0 included) and 0 where the pen drew the move.
 * - Offsets are divided by their root mean square length, so that every drawing has unit RMS
 *   step whatever its size, and the LSTM sees inputs of order 1.
 */
export function strokesToSequence(strokes: readonly Stroke[], length: number): Float32Array {
  if (!Number.isInteger(length) || length < 1) {
    throw new RangeError(`strokesToSequence: length must be an integer >= 1, got ${length}`);
  }
  const drawn = strokes.filter((stroke) => stroke.length > 0);
  if (drawn.length === 0) {
    throw new RangeError('strokesToSequence: the drawing has no pen samples');
  }
  let minX = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (const stroke of drawn) {
    for (const { x, y } of stroke) {
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    }
  }
  const centreX = (minX + maxX) / 2;
  const centreY = (minY + maxY) / 2;

  const points = resample(drawn, length);
  const sequence = new Float32Array(length * STEP_FEATURES);
  const offsets = new Float64Array(length * 2);
  let squares = 0;
  points.forEach((point, t) => {
    const previous = t === 0 ? { x: centreX, y: centreY } : points[t - 1];
    offsets[2 * t] = point.x - previous.x;
    offsets[2 * t + 1] = point.y - previous.y;
    squares += offsets[2 * t] ** 2 + offsets[2 * t + 1] ** 2;
    const startsStroke = t === 0 || points[t - 1].stroke !== point.stroke;
    sequence[t * STEP_FEATURES + 2] = startsStroke ? 1 : 0;
  });
  const rms = Math.sqrt(squares / length);
  // A single dot at the centre has no offsets to scale.
  const scale = rms > 0 ? 1 / rms : 1;
  for (let t = 0; t < length; t++) {
    sequence[t * STEP_FEATURES] = offsets[2 * t] * scale;
    sequence[t * STEP_FEATURES + 1] = offsets[2 * t + 1] * scale;
  }
  return sequence;
}

/**
 * Rebuilds the strokes a sequence describes, in its normalized units with the bounding-box
 * centre at (0, 0): the inverse of {@link strokesToSequence} up to resampling and scale.
 */
export function sequenceToStrokes(sequence: Float32Array): { x: number; y: number }[][] {
  const strokes: { x: number; y: number }[][] = [];
  let x = 0;
  let y = 0;
  for (let t = 0; t < sequence.length / STEP_FEATURES; t++) {
    x += sequence[t * STEP_FEATURES];
    y += sequence[t * STEP_FEATURES + 1];
    if (sequence[t * STEP_FEATURES + 2] === 1 || strokes.length === 0) strokes.push([]);
    strokes[strokes.length - 1].push({ x, y });
  }
  return strokes;
}
