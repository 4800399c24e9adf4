import { defaultDataDir } from './archive.js';
import {
  drawingKey,
  normalizeSets,
  OMNIGLOT_SETS,
  type OmniglotSet,
  readBackgroundDrawings,
} from './background.js';

/**
 * One pen sample. `x` grows to the right and `y` grows upward, in the pixel units of the
 * 105 x 105 image, so the sample lies over image column `x` and row `-y`. `t` is the time in
 * milliseconds since the drawing began.
 *
 * NOTE: the data is raw browser input, so sampling is uneven in space and time, and in 16
 * of the 5840 stroke files a timestamp steps backwards inside a stroke. Strokes themselves
 * are in time order.
 */
export interface StrokePoint {
  /** Horizontal position in pixels, growing to the right. */
  x: number;
  /** Vertical position in pixels, growing upward. */
  y: number;
  /** Milliseconds since the drawing began. */
  t: number;
}

/** The pen samples between one pen-down and the next pen-up. */
export type Stroke = StrokePoint[];

/** One Omniglot character with the pen strokes of each drawing. */
export interface OmniglotStrokeCharacter {
  /** `<alphabet>/<character folder>`, the same id as the character's images. */
  id: string;
  /** Name of the alphabet folder, such as `Balinese`. */
  alphabet: string;
  /** The character's folder name inside its alphabet, such as `character01`. */
  name: string;
  /** The background sets that contain this character. */
  sets: OmniglotSet[];
  /** The drawer number of each drawing, aligned with `keys`. */
  drawers: number[];
  /** The key of each drawing, equal to the key of its image. */
  keys: string[];
  /** The strokes of each drawing, in the order the drawer made them. */
  drawings: Stroke[][];
}

/** Parsed Omniglot background strokes. */
export interface OmniglotStrokes {
  /** The background sets that were loaded. */
  sets: OmniglotSet[];
  /** All characters, in the same order as {@link loadOmniglotImages} returns them. */
  characters: OmniglotStrokeCharacter[];
  /** The strokes of each drawing, keyed as in `OmniglotCharacter.keys`. */
  byKey: Map<string, Stroke[]>;
  /** Milliseconds spent reading and parsing the archives on the first call. */
  parseMs: number;
}

/** Options of {@link loadOmniglotStrokes}. */
export interface LoadOmniglotStrokesOptions {
  /** Background sets to load. Default: both small sets. */
  sets?: readonly OmniglotSet[];
  /** Folder that contains the zip files. Default: the copy shipped in this package. */
  dataDir?: string;
}

/**
 * Parses one Omniglot stroke file. The format is a `START` line, then one `x,y,t` line per
 * pen sample, with a `BREAK` line closing each stroke, the last one included.
 */
export function parseStrokes(text: string, source: string): Stroke[] {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines[0]?.trim() !== 'START') {
    throw new Error(`Invalid stroke file ${source}: the first line must be START`);
  }
  const strokes: Stroke[] = [];
  let current: Stroke = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === 'BREAK') {
      if (current.length === 0) {
        throw new Error(`Invalid stroke file ${source}: empty stroke before line ${i + 1}`);
      }
      strokes.push(current);
      current = [];
      continue;
    }
    const fields = line.split(',');
    const [x, y, t] = fields.map(Number);
    if (fields.length !== 3 || !Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(t)) {
      throw new Error(`Invalid stroke file ${source}: line ${i + 1} is '${line}', expected x,y,t`);
    }
    current.push({ x, y, t });
  }
  if (current.length > 0) {
    throw new Error(`Invalid stroke file ${source}: the last stroke has no closing BREAK`);
  }
  return strokes;
}

const cache = new Map<string, OmniglotStrokes>();
const decoder = new TextDecoder();

/**
 * Loads the pen strokes of the Omniglot background drawings. Each drawing carries the same
 * key as its image (`<alphabet>/<character>/<file stem>`), so `byKey.get(character.keys[i])`
 * returns the strokes of `character.images[i]`. Duplicate alphabets are merged as in
 * {@link loadOmniglotImages}. The result is cached and shared, so callers must not modify it.
 */
export function loadOmniglotStrokes(options: LoadOmniglotStrokesOptions = {}): OmniglotStrokes {
  const sets = normalizeSets(options.sets ?? OMNIGLOT_SETS, 'loadOmniglotStrokes');
  const dataDir = options.dataDir ?? defaultDataDir();
  const cacheKey = `${dataDir}|${sets.join(',')}`;
  const cached = cache.get(cacheKey);
  if (cached !== undefined) return cached;

  const start = performance.now();
  const byKey = new Map<string, Stroke[]>();
  const characters: OmniglotStrokeCharacter[] = [];
  for (const raw of readBackgroundDrawings(dataDir, 'strokes', sets)) {
    const keys = raw.drawings.map((d) => drawingKey(d.alphabet, d.character, d.stem));
    const drawings = raw.drawings.map((d) => parseStrokes(decoder.decode(d.bytes), d.path));
    for (let i = 0; i < keys.length; i++) byKey.set(keys[i], drawings[i]);
    characters.push({
      id: `${raw.alphabet}/${raw.character}`,
      alphabet: raw.alphabet,
      name: raw.character,
      sets: raw.sets,
      drawers: raw.drawings.map((d) => d.drawer),
      keys,
      drawings,
    });
  }

  const result: OmniglotStrokes = { sets, characters, byKey, parseMs: performance.now() - start };
  cache.set(cacheKey, result);
  return result;
}
