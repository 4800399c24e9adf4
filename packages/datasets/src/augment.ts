import { type RandomSource, randomUniform } from './random.js';

/** Ranges of the random affine distortion applied by {@link distortImage}. */
export interface AffineAugmentOptions {
  /** Maximum shift along each axis, in output pixels. Default: 2. */
  maxShift?: number;
  /** Maximum rotation either way, in degrees. Default: 10. */
  maxRotation?: number;
  /** Maximum relative change of scale: the scale is drawn from [1 - s, 1 + s]. Default: 0.1. */
  maxScale?: number;
}

/** The ranges used when `augment` is `true`. */
export const DEFAULT_AUGMENT: Required<AffineAugmentOptions> = {
  maxShift: 2,
  maxRotation: 10,
  maxScale: 0.1,
};

/** Reads pixel (row, col) of a square image, treating everything outside as paper (0). */
function pixelAt(image: Float32Array, size: number, row: number, col: number): number {
  if (row < 0 || row >= size || col < 0 || col >= size) return 0;
  return image[row * size + col];
}

/**
 * Writes into `out` a copy of `image` rotated, scaled about its center and shifted by
 * amounts drawn uniformly from the given ranges. Pixels are sampled bilinearly and areas
 * that come from outside the source are blank, so values stay in [0, 1].
 */
export function distortImage(
  image: Float32Array,
  size: number,
  rng: RandomSource,
  options: AffineAugmentOptions,
  out: Float32Array,
): void {
  const { maxShift, maxRotation, maxScale } = { ...DEFAULT_AUGMENT, ...options };
  const angle = (randomUniform(rng, -maxRotation, maxRotation) * Math.PI) / 180;
  const scale = randomUniform(rng, 1 - maxScale, 1 + maxScale);
  const shiftX = randomUniform(rng, -maxShift, maxShift);
  const shiftY = randomUniform(rng, -maxShift, maxShift);

  // Inverse mapping: for each output pixel, undo the shift, rotation and scale to find
  // where it comes from in the source.
  const center = (size - 1) / 2;
  const cos = Math.cos(angle) / scale;
  const sin = Math.sin(angle) / scale;
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      const u = col - center - shiftX;
      const v = row - center - shiftY;
      const sourceCol = cos * u + sin * v + center;
      const sourceRow = -sin * u + cos * v + center;
      const col0 = Math.floor(sourceCol);
      const row0 = Math.floor(sourceRow);
      const fx = sourceCol - col0;
      const fy = sourceRow - row0;
      const top =
        (1 - fx) * pixelAt(image, size, row0, col0) + fx * pixelAt(image, size, row0, col0 + 1);
      const bottom =
        (1 - fx) * pixelAt(image, size, row0 + 1, col0) +
        fx * pixelAt(image, size, row0 + 1, col0 + 1);
      out[row * size + col] = (1 - fy) * top + fy * bottom;
    }
  }
}
