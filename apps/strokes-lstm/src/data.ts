import {
  loadOmniglotStrokes,
  OMNIGLOT_SETS,
  type OmniglotSet,
  type RandomSource,
  type Stroke,
} from '@metagrad/datasets';
import { STEP_FEATURES, strokesToSequence } from './strokes.js';

/** One character: the preprocessed sequence of each of its drawings. */
export interface StrokeClass {
  /** `<alphabet>/<character>`, as in the datasets package. */
  id: string;
  alphabet: string;
  /** One Float32Array [length, 3] per drawing, see {@link strokesToSequence}. */
  sequences: Float32Array[];
  /** The raw strokes of each drawing, for figures. */
  drawings: Stroke[][];
}

/** Characters for meta-training and for testing, from disjoint alphabets. */
export interface StrokeSplit {
  train: StrokeClass[];
  test: StrokeClass[];
  trainAlphabets: string[];
  testAlphabets: string[];
}

/**
 * Loads the Omniglot strokes of both small background sets and splits them by alphabet:
 * training characters are the alphabets of `trainSet`, test characters the alphabets of the
 * other set that `trainSet` lacks. Greek and Latin are in both small sets, so they are
 * training alphabets whichever set trains, and every test alphabet is unseen in training.
 */
export function loadStrokeSplit(trainSet: OmniglotSet, length: number): StrokeSplit {
  if (!OMNIGLOT_SETS.includes(trainSet)) {
    throw new RangeError(`loadStrokeSplit: unknown set '${trainSet}', expected small1 or small2`);
  }
  const { characters } = loadOmniglotStrokes();
  const toClass = (c: (typeof characters)[number]): StrokeClass => ({
    id: c.id,
    alphabet: c.alphabet,
    sequences: c.drawings.map((drawing) => strokesToSequence(drawing, length)),
    drawings: c.drawings,
  });
  const train = characters.filter((c) => c.sets.includes(trainSet)).map(toClass);
  const trainAlphabets = [...new Set(train.map((c) => c.alphabet))].sort();
  const test = characters.filter((c) => !trainAlphabets.includes(c.alphabet)).map(toClass);
  const testAlphabets = [...new Set(test.map((c) => c.alphabet))].sort();
  return { train, test, trainAlphabets, testAlphabets };
}

/** A batch of sequences, [count, length, 3] batch first, with a label per sequence. */
export interface SequenceBatch {
  sequences: Float32Array;
  count: number;
  length: number;
  labels: Int32Array;
  /** The drawing behind each sequence: its class index in the episode's class list and drawing index. */
  sources: { classIndex: number; drawing: number }[];
}

/** One N-way K-shot task over characters. */
export interface StrokeEpisode {
  /** `ways * shots` sequences, all shots of label 0 first, then label 1, and so on. */
  support: SequenceBatch;
  /** `ways * queries` sequences, in the same label-major order. */
  query: SequenceBatch;
  /** The class behind each label: `classes[classIds[label]]`. */
  classIds: number[];
}

/** Options of {@link sampleStrokeEpisode}. */
export interface StrokeEpisodeOptions {
  ways: number;
  shots: number;
  queries: number;
  rng: RandomSource;
}

/** Draws `count` distinct integers from 0 to `n - 1` in random order (a partial Fisher-Yates shuffle). */
export function sampleDistinct(rng: RandomSource, n: number, count: number): number[] {
  const indices = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.min(Math.floor(rng.random() * (n - i)), n - i - 1);
    [indices[i], indices[j]] = [indices[j], indices[i]];
  }
  return indices.slice(0, count);
}

function emptyBatch(count: number, length: number): SequenceBatch {
  return {
    sequences: new Float32Array(count * length * STEP_FEATURES),
    count,
    length,
    labels: new Int32Array(count),
    sources: [],
  };
}

/**
 * Samples an N-way K-shot episode: `ways` distinct characters, and for each of them
 * `shots + queries` distinct drawings, the first `shots` for the support set and the rest for
 * the query set. Labels follow the random order in which characters were drawn, and every
 * choice comes from `rng`, so equal seeds give equal episodes.
 */
export function sampleStrokeEpisode(
  classes: readonly StrokeClass[],
  options: StrokeEpisodeOptions,
): StrokeEpisode {
  const { ways, shots, queries, rng } = options;
  if (ways > classes.length) {
    throw new RangeError(
      `sampleStrokeEpisode: ways is ${ways} but only ${classes.length} classes exist`,
    );
  }
  const length = classes[0].sequences[0].length / STEP_FEATURES;
  const support = emptyBatch(ways * shots, length);
  const query = emptyBatch(ways * queries, length);
  const classIds = sampleDistinct(rng, classes.length, ways);
  classIds.forEach((classIndex, label) => {
    const { sequences, id } = classes[classIndex];
    if (sequences.length < shots + queries) {
      throw new RangeError(
        `sampleStrokeEpisode: class ${id} has ${sequences.length} drawings, fewer than shots + queries = ${shots + queries}`,
      );
    }
    const picks = sampleDistinct(rng, sequences.length, shots + queries);
    picks.forEach((drawing, k) => {
      const batch = k < shots ? support : query;
      const slot = k < shots ? label * shots + k : label * queries + (k - shots);
      batch.sequences.set(sequences[drawing], slot * length * STEP_FEATURES);
      batch.labels[slot] = label;
      batch.sources[slot] = { classIndex, drawing };
    });
  });
  return { support, query, classIds };
}
