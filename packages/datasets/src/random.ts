/**
 * A source of uniform random numbers in [0, 1), such as metagrad's seeded `Generator`.
 * Every sampler in this package draws only from the source it is given, so the same seed
 * gives the same episodes.
 */
export interface RandomSource {
  /** Returns a uniform random number in [0, 1). */
  random(): number;
}

/** Draws an integer uniformly from 0 to `n - 1`. */
export function randomInt(rng: RandomSource, n: number): number {
  const value = Math.floor(rng.random() * n);
  // Guards against a source that returns exactly 1 through rounding.
  return Math.min(value, n - 1);
}

/** Draws a number uniformly from [low, high). */
export function randomUniform(rng: RandomSource, low: number, high: number): number {
  return low + (high - low) * rng.random();
}

/** Shuffles an array in place with the Fisher-Yates algorithm and returns it. */
export function shuffleInPlace<T>(items: T[], rng: RandomSource): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const swap = items[i];
    items[i] = items[j];
    items[j] = swap;
  }
  return items;
}

/** Draws `count` distinct indices from 0 to `n - 1`, in random order. */
export function sampleIndices(rng: RandomSource, n: number, count: number): number[] {
  const indices = Array.from({ length: n }, (_, i) => i);
  // A partial Fisher-Yates shuffle: only the first `count` positions are needed.
  for (let i = 0; i < count; i++) {
    const j = i + randomInt(rng, n - i);
    const swap = indices[i];
    indices[i] = indices[j];
    indices[j] = swap;
  }
  return indices.slice(0, count);
}
