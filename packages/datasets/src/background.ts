import { readZip } from './archive.js';

/**
 * One of the two small Omniglot background sets of Lake, Salakhutdinov and Tenenbaum. Each
 * contains 5 alphabets. Greek and Latin are in both, with byte-identical files.
 */
export type OmniglotSet = 'small1' | 'small2';

/** All background sets shipped with this package. */
export const OMNIGLOT_SETS: readonly OmniglotSet[] = ['small1', 'small2'];

/** One drawing's raw file, located in the alphabet / character / drawing hierarchy. */
export interface RawDrawing {
  alphabet: string;
  character: string;
  /** The file name without extension, such as `0108_01`: the character's global number and the drawer. */
  stem: string;
  drawer: number;
  bytes: Uint8Array;
  sets: OmniglotSet[];
  path: string;
}

/** Raw drawings of one character, sorted by file name. */
export interface RawCharacter {
  alphabet: string;
  character: string;
  sets: OmniglotSet[];
  drawings: RawDrawing[];
}

const DRAWING_STEM = /^(\d+)_(\d+)$/;

/** Returns the key that names one drawing in both the image and the stroke archives. */
export function drawingKey(alphabet: string, character: string, stem: string): string {
  return `${alphabet}/${character}/${stem}`;
}

/** Checks a `sets` option and returns the sets in canonical order without repeats. */
export function normalizeSets(sets: readonly string[], caller: string): OmniglotSet[] {
  if (sets.length === 0) {
    throw new RangeError(`${caller}: sets must name at least one of ${OMNIGLOT_SETS.join(', ')}`);
  }
  for (const set of sets) {
    if (!OMNIGLOT_SETS.includes(set as OmniglotSet)) {
      throw new RangeError(
        `${caller}: unknown set '${set}', expected one of ${OMNIGLOT_SETS.join(', ')}`,
      );
    }
  }
  return OMNIGLOT_SETS.filter((set) => sets.includes(set));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return false;
  }
  return true;
}

/**
 * Reads the drawings of the given background sets from `<kind>_background_<set>.zip`.
 * Archive paths have the form `<kind>_background_<set>/<alphabet>/<character>/<stem>.<ext>`.
 * A drawing found in several sets is kept once, with all of its sets listed. If its bytes
 * differ between sets, this throws, because merging would then hide a real difference.
 */
export function readBackgroundDrawings(
  dataDir: string,
  kind: 'images' | 'strokes',
  sets: OmniglotSet[],
): RawCharacter[] {
  const extension = kind === 'images' ? '.png' : '.txt';
  const byKey = new Map<string, RawDrawing>();

  for (const set of sets) {
    const root = `${kind}_background_${set}`;
    const entries = readZip(dataDir, `${root}.zip`);
    for (const [path, bytes] of entries) {
      const parts = path.split('/');
      if (parts.length !== 4 || parts[0] !== root || !parts[3].endsWith(extension)) {
        throw new Error(
          `Unexpected entry '${path}' in ${root}.zip: expected ${root}/<alphabet>/<character>/<drawing>${extension}`,
        );
      }
      const [, alphabet, character, fileName] = parts;
      const stem = fileName.slice(0, -extension.length);
      const match = DRAWING_STEM.exec(stem);
      if (match === null) {
        throw new Error(`Unexpected drawing file name '${path}' in ${root}.zip: expected NNNN_DD`);
      }
      const key = drawingKey(alphabet, character, stem);
      const existing = byKey.get(key);
      if (existing !== undefined) {
        if (!sameBytes(existing.bytes, bytes)) {
          throw new Error(
            `Drawing ${key} differs between sets ${existing.sets.join(', ')} and ${set}; cannot merge them`,
          );
        }
        existing.sets.push(set);
        continue;
      }
      const drawer = Number.parseInt(match[2], 10);
      byKey.set(key, { alphabet, character, stem, drawer, bytes, sets: [set], path });
    }
  }

  const byCharacter = new Map<string, RawCharacter>();
  const sortedKeys = [...byKey.keys()].sort();
  for (const key of sortedKeys) {
    const drawing = byKey.get(key) as RawDrawing;
    const characterKey = `${drawing.alphabet}/${drawing.character}`;
    let entry = byCharacter.get(characterKey);
    if (entry === undefined) {
      entry = { alphabet: drawing.alphabet, character: drawing.character, sets: [], drawings: [] };
      byCharacter.set(characterKey, entry);
    }
    entry.drawings.push(drawing);
    for (const set of drawing.sets) {
      if (!entry.sets.includes(set)) entry.sets.push(set);
    }
  }
  return [...byCharacter.values()];
}
