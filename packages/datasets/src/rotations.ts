import type { ImageClass } from './types.js';

/** A quarter-turn angle in degrees. */
export type QuarterTurn = 0 | 90 | 180 | 270;

/** One rotation of a base class, treated as a class of its own. */
export interface RotatedImageClass extends ImageClass {
  /** `<base id>@<rotation>`, such as `Balinese/character01@90`. */
  id: string;
  /** The id of the unrotated class. */
  baseId: string;
  /** Counterclockwise rotation in degrees. */
  rotation: QuarterTurn;
}

const QUARTER_TURNS: readonly QuarterTurn[] = [0, 90, 180, 270];

/** Rotates a square row-major image counterclockwise by `rotation` degrees. */
export function rotateImage(
  image: Float32Array,
  size: number,
  rotation: QuarterTurn,
): Float32Array {
  if (image.length !== size * size) {
    throw new RangeError(`rotateImage: image has ${image.length} pixels, expected ${size * size}`);
  }
  const out = new Float32Array(size * size);
  const last = size - 1;
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      // A counterclockwise quarter turn sends (row, col) to (last - col, row).
      let targetRow = row;
      let targetCol = col;
      for (let turn = 0; turn < rotation / 90; turn++) {
        const nextRow = last - targetCol;
        targetCol = targetRow;
        targetRow = nextRow;
      }
      out[targetRow * size + targetCol] = image[row * size + col];
    }
  }
  return out;
}

/**
 * Returns four classes per input class, rotated by 0, 90, 180 and 270 degrees
 * counterclockwise, so that each rotation counts as a new class, as in the Omniglot
 * experiments of MAML (Finn, Abbeel and Levine, 2017). The rotations of one class are
 * adjacent in the output. The unrotated class shares its image arrays with the input.
 */
export function withRotations(classes: readonly ImageClass[]): RotatedImageClass[] {
  const out: RotatedImageClass[] = [];
  for (const base of classes) {
    for (const rotation of QUARTER_TURNS) {
      out.push({
        id: `${base.id}@${rotation}`,
        baseId: base.id,
        rotation,
        size: base.size,
        images:
          rotation === 0
            ? base.images
            : base.images.map((image) => rotateImage(image, base.size, rotation)),
      });
    }
  }
  return out;
}
