import { type RandomSource, shuffleInPlace } from './random.js';

/** The result of {@link splitByAlphabet}. */
export interface AlphabetSplit<T> {
  /** Characters of the training alphabets, in input order. */
  train: T[];
  /** Characters of the validation alphabets, in input order. */
  validation: T[];
  /** Names of the alphabets in `train`, sorted. */
  trainAlphabets: string[];
  /** Names of the alphabets in `validation`, sorted. */
  validationAlphabets: string[];
}

/** Options of {@link splitByAlphabet}. */
export interface SplitByAlphabetOptions {
  /** Number of alphabets to hold out for validation. */
  validationAlphabets: number;
  /** Source of uniform numbers in [0, 1) that drives the shuffle. */
  rng: RandomSource;
}

/**
 * Splits characters into train and validation sets by whole alphabets, so no alphabet is
 * in both. Alphabet names are sorted and then shuffled with `rng`, and the first
 * `validationAlphabets` of them go to validation. Characters keep their input order.
 */
export function splitByAlphabet<
  T extends {
    /** Name of the character's alphabet. */
    alphabet: string;
  },
>(characters: readonly T[], options: SplitByAlphabetOptions): AlphabetSplit<T> {
  const alphabets = [...new Set(characters.map((c) => c.alphabet))].sort();
  const count = options.validationAlphabets;
  if (!Number.isInteger(count) || count < 1 || count >= alphabets.length) {
    throw new RangeError(
      `splitByAlphabet: validationAlphabets must be an integer from 1 to ${alphabets.length - 1} (there are ${alphabets.length} alphabets), got ${count}`,
    );
  }
  const shuffled = shuffleInPlace([...alphabets], options.rng);
  const held = new Set(shuffled.slice(0, count));
  return {
    train: characters.filter((c) => !held.has(c.alphabet)),
    validation: characters.filter((c) => held.has(c.alphabet)),
    trainAlphabets: alphabets.filter((name) => !held.has(name)),
    validationAlphabets: alphabets.filter((name) => held.has(name)),
  };
}
