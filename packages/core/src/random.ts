import { InvalidArgumentError } from './errors.js';

/** The complete state of a {@link Generator}, for checkpoints. */
export interface GeneratorState {
  /** Name of the algorithm the state belongs to. */
  readonly algorithm: 'xoshiro128**';
  /** The four 32-bit words of the xoshiro128** state, as unsigned integers. */
  readonly s: readonly [number, number, number, number];
}

/**
 * A seeded pseudo-random generator (xoshiro128**, seeded through splitmix32). Every random
 * op takes one explicitly or uses the global one, so a run is reproducible bit for bit.
 */
export class Generator {
  #s = new Uint32Array(4);

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  /** Resets the generator to the stream of `seed` (an integer; only its low 32 bits count). */
  manualSeed(seed: number): this {
    if (!Number.isInteger(seed)) {
      throw new InvalidArgumentError(`Generator: seed must be an integer, got ${seed}`);
    }
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      // splitmix32 spreads a small seed over the whole state, so seeds 0 and 1 differ at once.
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.#s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if (this.#s.every((v) => v === 0)) this.#s[0] = 1;
    return this;
  }

  /** Returns the next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Returns a double uniform in [0, 1) with 53 random bits. */
  random(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** Returns a double uniform in [low, high). */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.random();
  }

  /** Returns an integer uniform in [low, high), as `torch.randint` does. */
  randint(low: number, high: number): number {
    if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
      throw new InvalidArgumentError(
        `Generator.randint: expected integers with low < high, got low=${low}, high=${high}`,
      );
    }
    return low + Math.floor(this.random() * (high - low));
  }

  /** Returns a standard normal sample (Box-Muller, one sample per call so the state stays simple). */
  normal(mean = 0, std = 1): number {
    let u = this.random();
    while (u === 0) u = this.random();
    const v = this.random();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Returns a random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): number[] {
    const p = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [p[i], p[j]] = [p[j], p[i]];
    }
    return p;
  }

  /** Returns a copy of the current state. */
  getState(): GeneratorState {
    return { algorithm: 'xoshiro128**', s: [this.#s[0], this.#s[1], this.#s[2], this.#s[3]] };
  }

  /** Restores a state from `getState()`; throws `InvalidArgumentError` for any other value. */
  setState(state: GeneratorState): this {
    if (state?.algorithm !== 'xoshiro128**' || state.s?.length !== 4) {
      throw new InvalidArgumentError(
        'Generator.setState: expected a state from Generator.getState() ({ algorithm, s: [4 numbers] })',
      );
    }
    this.#s.set(state.s);
    return this;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

let globalGenerator = new Generator(0);

/** The generator that random ops use when none is passed. */
export function getGlobalGenerator(): Generator {
  return globalGenerator;
}

/** Seeds the global generator, as `torch.manual_seed` does. */
export function manualSeed(seed: number): Generator {
  globalGenerator = new Generator(seed);
  return globalGenerator;
}
