import type { TypedArray } from '@metagrad/core';

/** The distribution of a random input's values. */
export type InputKind =
  /** Standard normal. */
  | 'normal'
  /** Uniform in [0.1, 2.1): a domain for log, sqrt and the base of pow. */
  | 'positive'
  /** Uniform in [0, 1). */
  | 'uniform'
  /** Normal values moved away from 0 (|x| >= 0.5): a domain for divisors. */
  | 'nonzero'
  /** Integers -2..2 stored as floats, so that comparisons meet ties. */
  | 'small-integer'
  /** int32 in [0, `max`): indices and class labels. */
  | 'index'
  /** Bools, true with probability one half. */
  | 'bool'
  /** Every element `value` (0.1 by default). */
  | 'constant';

/** A random input of a cross-backend case. */
export interface InputSpec {
  shape: number[];
  kind?: InputKind;
  /** Exclusive upper bound of an 'index' input. */
  max?: number;
  /** The value of a 'constant' input. */
  value?: number;
}

/** A seeded pseudo-random source (mulberry32), so both backends see the same values. */
export class SeededRandom {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** Returns a uniform number in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Returns a standard normal number (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}

/** Hashes a case name with the run's seed (FNV-1a), so a case's inputs do not depend on filters. */
export function seedFor(name: string, seed: number): number {
  let hash = (2166136261 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 16777619) >>> 0;
  }
  return hash;
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Draws the values of one input: float32, int32 ('index') or bool storage. */
export function drawInput(spec: InputSpec, random: SeededRandom): TypedArray {
  const size = sizeOf(spec.shape);
  const kind = spec.kind ?? 'normal';
  if (kind === 'index') {
    const max = spec.max ?? 2;
    return Int32Array.from({ length: size }, () => Math.floor(random.next() * max));
  }
  if (kind === 'bool')
    return Uint8Array.from({ length: size }, () => (random.next() < 0.5 ? 1 : 0));
  const draw: () => number = {
    normal: () => random.normal(),
    positive: () => 0.1 + 2 * random.next(),
    uniform: () => random.next(),
    nonzero: () => {
      const x = random.normal();
      return x < 0 ? x - 0.5 : x + 0.5;
    },
    'small-integer': () => Math.floor(random.next() * 5) - 2,
    constant: () => spec.value ?? 0.1,
  }[kind];
  return Float32Array.from({ length: size }, draw);
}

/** Draws float32 values for a cotangent of `size` elements. */
export function drawNormal(size: number, random: SeededRandom): Float32Array {
  return Float32Array.from({ length: size }, () => random.normal());
}
