import { defaultDataDir } from './archive.js';
import {
  drawingKey,
  normalizeSets,
  OMNIGLOT_SETS,
  type OmniglotSet,
  type RawDrawing,
  readBackgroundDrawings,
} from './background.js';
import { checkImageSize, loadInkImage } from './image.js';
import type { ImageClass } from './types.js';

/** One Omniglot character with its drawings as resized ink images. */
export interface OmniglotCharacter extends ImageClass {
  /** `<alphabet>/<character folder>`, such as `Balinese/character01`. */
  id: string;
  /** Name of the alphabet folder, such as `Balinese`. */
  alphabet: string;
  /** The character's folder name inside its alphabet, such as `character01`. */
  name: string;
  /** The background sets that contain this character. */
  sets: OmniglotSet[];
  /** The drawer number of each image, taken from the file name (`0108_07` is drawer 7). */
  drawers: number[];
  /** The key of each image, `<alphabet>/<character>/<file stem>`, shared with the strokes. */
  keys: string[];
}

/** One Omniglot alphabet with its characters. */
export interface OmniglotAlphabet {
  /** Alphabet folder name, such as `Balinese`. */
  name: string;
  /** The background sets that contain this alphabet. */
  sets: OmniglotSet[];
  /** The alphabet's characters, in folder order. */
  characters: OmniglotCharacter[];
}

/** Decoded Omniglot background images. */
export interface OmniglotImages {
  /** Image side length in pixels. */
  size: number;
  /** The background sets that were loaded. */
  sets: OmniglotSet[];
  /** Alphabets sorted by name. An alphabet present in several sets appears once. */
  alphabets: OmniglotAlphabet[];
  /** All characters of all alphabets, in alphabet then folder order. */
  characters: OmniglotCharacter[];
  /** Milliseconds spent reading and decoding the archives on the first call. */
  decodeMs: number;
}

/** Options of {@link loadOmniglotImages}. */
export interface LoadOmniglotImagesOptions {
  /** Background sets to load. Default: both small sets. */
  sets?: readonly OmniglotSet[];
  /** Output side length in pixels, resized from 105 by area averaging. Default: 28. */
  size?: number;
  /** Folder that contains the zip files. Default: the copy shipped in this package. */
  dataDir?: string;
}

const cache = new Map<string, OmniglotImages>();
// Decoded images by data folder, size and drawing key, shared between results for
// different set selections so that a drawing is decoded once per size.
const decodedDrawings = new Map<string, Float32Array>();

function decodeDrawing(dataDir: string, size: number, drawing: RawDrawing): Float32Array {
  const cacheKey = `${dataDir}|${size}|${drawingKey(drawing.alphabet, drawing.character, drawing.stem)}`;
  let image = decodedDrawings.get(cacheKey);
  if (image === undefined) {
    image = loadInkImage(drawing.bytes, size, drawing.path);
    decodedDrawings.set(cacheKey, image);
  }
  return image;
}

/**
 * Loads Omniglot background images as alphabets, characters and 20 drawings per character.
 * Each image is a Float32Array of `size * size` ink values in [0, 1] (1 = ink), resized from
 * the 105 x 105 PNGs by area averaging. Greek and Latin are byte-identical in both small sets,
 * so loading both gives 8 distinct alphabets, and those two carry `sets: ['small1', 'small2']`.
 *
 * The result is cached per data folder, sets and size, and later calls return the same
 * object. Image arrays are also shared between results, so callers must not modify them.
 */
export function loadOmniglotImages(options: LoadOmniglotImagesOptions = {}): OmniglotImages {
  const sets = normalizeSets(options.sets ?? OMNIGLOT_SETS, 'loadOmniglotImages');
  const size = options.size ?? 28;
  checkImageSize(size, 'loadOmniglotImages');
  const dataDir = options.dataDir ?? defaultDataDir();
  const cacheKey = `${dataDir}|${sets.join(',')}|${size}`;
  const cached = cache.get(cacheKey);
  if (cached !== undefined) return cached;

  const start = performance.now();
  const rawCharacters = readBackgroundDrawings(dataDir, 'images', sets);
  const alphabets = new Map<string, OmniglotAlphabet>();
  const characters: OmniglotCharacter[] = [];
  for (const raw of rawCharacters) {
    const character: OmniglotCharacter = {
      id: `${raw.alphabet}/${raw.character}`,
      alphabet: raw.alphabet,
      name: raw.character,
      size,
      sets: raw.sets,
      images: raw.drawings.map((d) => decodeDrawing(dataDir, size, d)),
      drawers: raw.drawings.map((d) => d.drawer),
      keys: raw.drawings.map((d) => drawingKey(d.alphabet, d.character, d.stem)),
    };
    characters.push(character);

    let alphabet = alphabets.get(raw.alphabet);
    if (alphabet === undefined) {
      alphabet = { name: raw.alphabet, sets: [], characters: [] };
      alphabets.set(raw.alphabet, alphabet);
    }
    alphabet.characters.push(character);
    for (const set of raw.sets) {
      if (!alphabet.sets.includes(set)) alphabet.sets.push(set);
    }
  }

  for (const alphabet of alphabets.values()) {
    alphabet.sets = OMNIGLOT_SETS.filter((set) => alphabet.sets.includes(set));
  }

  const result: OmniglotImages = {
    size,
    sets,
    alphabets: [...alphabets.values()],
    characters,
    decodeMs: performance.now() - start,
  };
  cache.set(cacheKey, result);
  return result;
}
