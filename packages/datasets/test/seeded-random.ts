import type { RandomSource } from '../src/index.js';

/**
 * A small seeded generator (xorshift32) for tests, standing in for metagrad's `Generator`,
 * which this package does not depend on.
 */
export class SeededRandom implements RandomSource {
  private state: number;

  constructor(seed: number) {
    // xorshift32 has a fixed point at 0, so a zero seed is replaced.
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  random(): number {
    let x = this.state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.state = x;
    return x / 2 ** 32;
  }
}
