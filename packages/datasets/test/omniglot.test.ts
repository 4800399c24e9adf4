import { beforeAll, describe, expect, it } from 'vitest';
import {
  loadOmniglotImages,
  loadOmniglotStrokes,
  type OmniglotImages,
  type OmniglotStrokes,
  type Stroke,
  sampleEpisode,
  splitByAlphabet,
  withRotations,
} from '../src/index.js';
import { SeededRandom } from './seeded-random.js';

// Counts found by listing the archives: small1 contains Balinese (24 characters),
// Early_Aramaic (22), Greek (24), Korean (40) and Latin (26). small2 contains Greek (24),
// Japanese_(katakana) (47), Latin (26), Sanskrit (42) and Tagalog (17). Greek and Latin are
// byte-identical in both, so the 10 alphabet folders and 292 character folders contain
// 8 distinct alphabets and 242 distinct characters.
const SMALL1 = { Balinese: 24, Early_Aramaic: 22, Greek: 24, Korean: 40, Latin: 26 };
const SMALL2 = { Greek: 24, 'Japanese_(katakana)': 47, Latin: 26, Sanskrit: 42, Tagalog: 17 };

let images: OmniglotImages;
let strokes: OmniglotStrokes;

beforeAll(() => {
  images = loadOmniglotImages({ sets: ['small1', 'small2'], size: 28 });
  strokes = loadOmniglotStrokes({ sets: ['small1', 'small2'] });
  console.log(
    `decoded ${images.characters.length * 20} images in ${images.decodeMs.toFixed(0)} ms, ` +
      `parsed ${strokes.byKey.size} stroke files in ${strokes.parseMs.toFixed(0)} ms`,
  );
});

function characterCounts(data: OmniglotImages): Record<string, number> {
  return Object.fromEntries(data.alphabets.map((a) => [a.name, a.characters.length]));
}

describe('loadOmniglotImages', () => {
  it('merges both small sets into 8 alphabets', () => {
    expect(characterCounts(images)).toEqual({ ...SMALL1, ...SMALL2 });
    expect(images.characters.length).toBe(242);
    const shared = images.alphabets.filter((a) => a.sets.length === 2).map((a) => a.name);
    expect(shared).toEqual(['Greek', 'Latin']);
  });

  it('loads small1 alone', () => {
    const small1 = loadOmniglotImages({ sets: ['small1'] });
    expect(characterCounts(small1)).toEqual(SMALL1);
    expect(small1.characters.length).toBe(136);
  });

  it('loads small2 alone', () => {
    const small2 = loadOmniglotImages({ sets: ['small2'] });
    expect(characterCounts(small2)).toEqual(SMALL2);
    expect(small2.characters.length).toBe(156);
  });

  it('gives each character 20 drawers', () => {
    for (const character of images.characters) {
      expect(character.images.length).toBe(20);
      expect(character.drawers).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(character.keys.length).toBe(20);
    }
  });

  it('names a known character', () => {
    const character = images.characters.find((c) => c.id === 'Balinese/character01');
    expect(character?.alphabet).toBe('Balinese');
    expect(character?.name).toBe('character01');
    expect(character?.sets).toEqual(['small1']);
    expect(character?.keys[6]).toBe('Balinese/character01/0108_07');
    expect(character?.drawers[6]).toBe(7);
  });

  it('returns inked images in [0, 1]', () => {
    for (const character of images.characters) {
      for (const image of character.images) {
        expect(image.length).toBe(28 * 28);
        let minimum = 1;
        let maximum = 0;
        let ink = 0;
        for (const value of image) {
          minimum = Math.min(minimum, value);
          maximum = Math.max(maximum, value);
          ink += value;
        }
        expect(minimum).toBeGreaterThanOrEqual(0);
        expect(maximum).toBeLessThanOrEqual(1);
        // A stroke of any length leaves several pixels' worth of ink; paper stays near 0.
        expect(ink).toBeGreaterThan(2);
        expect(ink).toBeLessThan(28 * 28 * 0.5);
      }
    }
  });

  it('puts ink on strokes, not on the border paper', () => {
    const character = images.characters[0];
    const corner = character.images.map((image) => image[0] + image[27] + image[27 * 28]);
    expect(Math.max(...corner)).toBe(0);
  });

  it('returns the cached result on a second call', () => {
    expect(loadOmniglotImages({ sets: ['small2', 'small1'] })).toBe(images);
  });

  it('rejects an unknown set', () => {
    expect(() => loadOmniglotImages({ sets: ['small3' as 'small1'] })).toThrow(
      /unknown set 'small3'/,
    );
  });
});

/** Computes the fraction of a drawing's pen samples on or next to an inked 28 px cell. */
function inkedFraction(image: Float32Array, drawing: Stroke[]): number {
  let inked = 0;
  let total = 0;
  for (const stroke of drawing) {
    for (const point of stroke) {
      const row = Math.floor((-point.y * 28) / 105);
      const col = Math.floor((point.x * 28) / 105);
      let hit = false;
      for (let dr = -1; dr <= 1; dr++) {
        for (let dc = -1; dc <= 1; dc++) {
          const r = row + dr;
          const c = col + dc;
          if (r >= 0 && r < 28 && c >= 0 && c < 28 && image[r * 28 + c] > 0.1) hit = true;
        }
      }
      total += 1;
      if (hit) inked += 1;
    }
  }
  return inked / total;
}

describe('loadOmniglotStrokes', () => {
  it('has one stroke drawing per image', () => {
    expect(strokes.characters.length).toBe(242);
    expect(strokes.byKey.size).toBe(242 * 20);
    expect(strokes.characters.map((c) => c.id)).toEqual(images.characters.map((c) => c.id));
    images.characters.forEach((character, i) => {
      expect(strokes.characters[i].keys).toEqual(character.keys);
      expect(strokes.characters[i].drawers).toEqual(character.drawers);
    });
  });

  it('parses known stroke counts', () => {
    const single = strokes.byKey.get('Balinese/character01/0108_01');
    expect(single?.length).toBe(1);
    expect(single?.[0][0]).toEqual({ x: 18.954528, y: -43.534334, t: 0 });
    expect(strokes.byKey.get('Korean/character05/0647_03')?.length).toBe(2);
  });

  it('orders strokes in time', () => {
    let backwardDrawings = 0;
    for (const drawing of strokes.byKey.values()) {
      for (let s = 1; s < drawing.length; s++) {
        const previous = drawing[s - 1];
        expect(drawing[s][0].t).toBeGreaterThanOrEqual(previous[previous.length - 1].t);
      }
      const goesBack = drawing.some((stroke) =>
        stroke.some((p, i) => i > 0 && p.t < stroke[i - 1].t),
      );
      if (goesBack) backwardDrawings += 1;
    }
    // The raw data has a few strokes whose timestamps step backwards (16 of the 5840 files).
    expect(backwardDrawings).toBeGreaterThan(0);
    expect(backwardDrawings).toBeLessThan(strokes.byKey.size / 100);
  });

  it('lays the pen samples over the ink of the matching image', () => {
    let matched = 0;
    let mismatched = 0;
    let drawings = 0;
    images.characters.forEach((character, c) => {
      const other = images.characters[(c + 1) % images.characters.length];
      character.keys.forEach((key, i) => {
        const drawing = strokes.byKey.get(key) as Stroke[];
        matched += inkedFraction(character.images[i], drawing);
        mismatched += inkedFraction(other.images[i], drawing);
        drawings += 1;
      });
    });
    console.log(
      `pen samples on ink: ${(matched / drawings).toFixed(4)} for the matching image, ` +
        `${(mismatched / drawings).toFixed(4)} for another character's image`,
    );
    expect(matched / drawings).toBeGreaterThan(0.99);
    expect(mismatched / drawings).toBeLessThan(0.8);
  });
});

describe('splitByAlphabet on Omniglot', () => {
  it('leaks no class between train and validation episodes', () => {
    const split = splitByAlphabet(images.characters, {
      validationAlphabets: 2,
      rng: new SeededRandom(1),
    });
    expect(split.train.length + split.validation.length).toBe(242);
    const trainClasses = withRotations(split.train);
    expect(trainClasses.length).toBe(4 * split.train.length);
    const trainBases = new Set(trainClasses.map((c) => c.baseId));

    const rng = new SeededRandom(2);
    for (let trial = 0; trial < 50; trial++) {
      const episode = sampleEpisode(split.validation, { ways: 5, shots: 1, queries: 5, rng });
      for (const id of episode.classIds) expect(trainBases.has(id)).toBe(false);
      const trainEpisode = sampleEpisode(trainClasses, { ways: 20, shots: 1, queries: 1, rng });
      for (const id of trainEpisode.classIds) {
        const alphabet = id.split('/')[0];
        expect(split.validationAlphabets).not.toContain(alphabet);
      }
    }
  });
});
