import { type AffineAugmentOptions, distortImage } from './augment.js';
import { type RandomSource, sampleIndices } from './random.js';
import type { ImageClass } from './types.js';

/** A batch of images in NCHW layout with one label per image. */
export interface ImageBatch {
  /** `n * size * size` ink values, image after image. */
  images: Float32Array;
  /** `[n, 1, size, size]`. */
  shape: [number, number, number, number];
  /** The episode label of each image, from 0 to `ways - 1`. */
  labels: Int32Array;
  /** For each image, its index in the `images` of its class before augmentation. */
  sourceIndices: Int32Array;
}

/** One N-way K-shot task. */
export interface Episode {
  /** `ways * shots` images, all shots of label 0 first, then label 1, and so on. */
  support: ImageBatch;
  /** `ways * queries` images, in the same label-major order. */
  query: ImageBatch;
  /** The id of the class behind each label: `classIds[label]`. */
  classIds: string[];
}

/** Options of {@link sampleEpisode}. */
export interface EpisodeOptions {
  /** Number of classes in the episode (N). */
  ways: number;
  /** Support images per class (K). */
  shots: number;
  /** Query images per class. */
  queries: number;
  /** Source of uniform numbers in [0, 1), such as metagrad's seeded `Generator`. */
  rng: RandomSource;
  /**
   * Applies a random affine distortion to every support and query image: `true` for the
   * default ranges (shift 2 px, rotation 10 degrees, scale 10%), or the ranges to use.
   * Default: no distortion.
   */
  augment?: boolean | AffineAugmentOptions;
}

function checkCount(value: number, name: string, minimum: number): void {
  if (!Number.isInteger(value) || value < minimum) {
    throw new RangeError(`sampleEpisode: ${name} must be an integer >= ${minimum}, got ${value}`);
  }
}

function allocateBatch(count: number, size: number): ImageBatch {
  return {
    images: new Float32Array(count * size * size),
    shape: [count, 1, size, size],
    labels: new Int32Array(count),
    sourceIndices: new Int32Array(count),
  };
}

/**
 * Samples an N-way K-shot episode: `ways` distinct classes, then for each class
 * `shots + queries` distinct images, the first `shots` for the support set and the rest for
 * the query set, so no image is in both. Labels follow the random order in which classes
 * were drawn. Every random choice comes from `rng`, so equal seeds give equal episodes.
 */
export function sampleEpisode(classes: readonly ImageClass[], options: EpisodeOptions): Episode {
  const { ways, shots, queries, rng, augment = false } = options;
  checkCount(ways, 'ways', 1);
  checkCount(shots, 'shots', 1);
  checkCount(queries, 'queries', 0);
  if (ways > classes.length) {
    throw new RangeError(`sampleEpisode: ways is ${ways} but only ${classes.length} classes exist`);
  }
  const size = classes[0].size;
  const perClass = shots + queries;
  for (const imageClass of classes) {
    if (imageClass.size !== size) {
      throw new RangeError(
        `sampleEpisode: class ${imageClass.id} has image size ${imageClass.size}, expected ${size} like ${classes[0].id}`,
      );
    }
    if (imageClass.images.length < perClass) {
      throw new RangeError(
        `sampleEpisode: class ${imageClass.id} has ${imageClass.images.length} images, fewer than shots + queries = ${perClass}`,
      );
    }
  }
  const augmentOptions = augment === true ? {} : augment === false ? undefined : augment;

  const pixels = size * size;
  const support = allocateBatch(ways * shots, size);
  const query = allocateBatch(ways * queries, size);
  const chosenClasses = sampleIndices(rng, classes.length, ways);
  const classIds: string[] = [];

  const place = (batch: ImageBatch, slot: number, label: number, source: Float32Array) => {
    const target = batch.images.subarray(slot * pixels, (slot + 1) * pixels);
    if (augmentOptions === undefined) {
      target.set(source);
    } else {
      distortImage(source, size, rng, augmentOptions, target);
    }
    batch.labels[slot] = label;
  };

  chosenClasses.forEach((classIndex, label) => {
    const imageClass = classes[classIndex];
    classIds.push(imageClass.id);
    const picks = sampleIndices(rng, imageClass.images.length, perClass);
    for (let k = 0; k < perClass; k++) {
      const isSupport = k < shots;
      const batch = isSupport ? support : query;
      const slot = isSupport ? label * shots + k : label * queries + (k - shots);
      place(batch, slot, label, imageClass.images[picks[k]]);
      batch.sourceIndices[slot] = picks[k];
    }
  });

  return { support, query, classIds };
}
