import { describe, expect, it } from 'vitest';
import { type ImageClass, sampleEpisode, splitByAlphabet } from '../src/index.js';
import { SeededRandom } from './seeded-random.js';

const size = 4;

/** Builds classes whose every pixel encodes (class, image), so copies can be traced. */
function makeClasses(count: number, imagesPerClass: number): ImageClass[] {
  return Array.from({ length: count }, (_, c) => ({
    id: `class${c}`,
    size,
    images: Array.from({ length: imagesPerClass }, (_, i) =>
      new Float32Array(size * size).fill(c * 100 + i),
    ),
  }));
}

describe('sampleEpisode', () => {
  const classes = makeClasses(30, 20);

  it('returns batches with the requested shapes', () => {
    const episode = sampleEpisode(classes, {
      ways: 5,
      shots: 2,
      queries: 3,
      rng: new SeededRandom(1),
    });
    expect(episode.support.shape).toEqual([10, 1, size, size]);
    expect(episode.support.images.length).toBe(10 * size * size);
    expect(episode.query.shape).toEqual([15, 1, size, size]);
    expect(episode.query.images.length).toBe(15 * size * size);
    expect(Array.from(episode.support.labels)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    expect(Array.from(episode.query.labels)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]);
    expect(new Set(episode.classIds).size).toBe(5);
  });

  it('copies the labelled class images', () => {
    const episode = sampleEpisode(classes, {
      ways: 5,
      shots: 2,
      queries: 3,
      rng: new SeededRandom(2),
    });
    for (const batch of [episode.support, episode.query]) {
      for (let n = 0; n < batch.labels.length; n++) {
        const classIndex = Number(episode.classIds[batch.labels[n]].slice('class'.length));
        const expected = classIndex * 100 + batch.sourceIndices[n];
        const image = batch.images.subarray(n * size * size, (n + 1) * size * size);
        expect(image.every((value) => value === expected)).toBe(true);
      }
    }
  });

  it('keeps support and query images disjoint', () => {
    const rng = new SeededRandom(3);
    for (let trial = 0; trial < 50; trial++) {
      const episode = sampleEpisode(classes, { ways: 5, shots: 5, queries: 15, rng });
      for (let label = 0; label < 5; label++) {
        const supportPicks = episode.support.sourceIndices.filter(
          (_, n) => episode.support.labels[n] === label,
        );
        const queryPicks = episode.query.sourceIndices.filter(
          (_, n) => episode.query.labels[n] === label,
        );
        const all = new Set([...supportPicks, ...queryPicks]);
        expect(all.size).toBe(20);
      }
    }
  });

  it('repeats for the same seed', () => {
    const options = { ways: 5, shots: 1, queries: 5, augment: true };
    const first = sampleEpisode(classes, { ...options, rng: new SeededRandom(7) });
    const second = sampleEpisode(classes, { ...options, rng: new SeededRandom(7) });
    expect(second.classIds).toEqual(first.classIds);
    expect(Array.from(second.support.images)).toEqual(Array.from(first.support.images));
    expect(Array.from(second.query.images)).toEqual(Array.from(first.query.images));
    expect(Array.from(second.query.sourceIndices)).toEqual(Array.from(first.query.sourceIndices));
  });

  it('differs between seeds', () => {
    const options = { ways: 5, shots: 1, queries: 5 };
    const first = sampleEpisode(classes, { ...options, rng: new SeededRandom(7) });
    const second = sampleEpisode(classes, { ...options, rng: new SeededRandom(8) });
    expect(second.classIds).not.toEqual(first.classIds);
  });

  it('draws every class over many episodes', () => {
    const rng = new SeededRandom(11);
    const seen = new Set<string>();
    for (let trial = 0; trial < 100; trial++) {
      for (const id of sampleEpisode(classes, { ways: 5, shots: 1, queries: 1, rng }).classIds) {
        seen.add(id);
      }
    }
    expect(seen.size).toBe(30);
  });

  it('rejects impossible requests', () => {
    const rng = new SeededRandom(1);
    expect(() => sampleEpisode(classes, { ways: 31, shots: 1, queries: 1, rng })).toThrow(
      /only 30 classes/,
    );
    expect(() => sampleEpisode(classes, { ways: 5, shots: 10, queries: 11, rng })).toThrow(
      /fewer than shots \+ queries = 21/,
    );
    expect(() => sampleEpisode(classes, { ways: 5, shots: 0, queries: 1, rng })).toThrow(
      /shots must be an integer >= 1/,
    );
    const mixed = [...classes, { id: 'big', size: 5, images: classes[0].images }];
    expect(() => sampleEpisode(mixed, { ways: 2, shots: 1, queries: 1, rng })).toThrow(
      /class big has image size 5/,
    );
  });
});

describe('splitByAlphabet', () => {
  const characters = ['A', 'B', 'C', 'D', 'E'].flatMap((alphabet) =>
    Array.from({ length: 3 }, (_, i) => ({ alphabet, id: `${alphabet}${i}` })),
  );

  it('separates whole alphabets', () => {
    const split = splitByAlphabet(characters, { validationAlphabets: 2, rng: new SeededRandom(4) });
    expect(split.validationAlphabets.length).toBe(2);
    expect(split.trainAlphabets.length).toBe(3);
    expect(split.train.length).toBe(9);
    expect(split.validation.length).toBe(6);
    const trainSet = new Set(split.train.map((c) => c.alphabet));
    for (const character of split.validation) {
      expect(trainSet.has(character.alphabet)).toBe(false);
    }
  });

  it('repeats for the same seed', () => {
    const first = splitByAlphabet(characters, { validationAlphabets: 2, rng: new SeededRandom(9) });
    const second = splitByAlphabet(characters, {
      validationAlphabets: 2,
      rng: new SeededRandom(9),
    });
    expect(second.validationAlphabets).toEqual(first.validationAlphabets);
  });

  it('varies with the seed', () => {
    const held = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) {
      const split = splitByAlphabet(characters, {
        validationAlphabets: 1,
        rng: new SeededRandom(seed),
      });
      held.add(split.validationAlphabets[0]);
    }
    expect(held.size).toBeGreaterThan(1);
  });

  it('rejects holding out every alphabet', () => {
    expect(() =>
      splitByAlphabet(characters, { validationAlphabets: 5, rng: new SeededRandom(1) }),
    ).toThrow(/from 1 to 4/);
  });
});
