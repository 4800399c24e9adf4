/**
 * A class of same-sized square images for episode sampling: one Omniglot character, or one
 * rotation of it. Each image is a row-major Float32Array of `size * size` ink values in [0, 1].
 */
export interface ImageClass {
  /** A name unique among the classes sampled together, used to check for leaks between splits. */
  id: string;
  /** Image side length in pixels. */
  size: number;
  /** Images of the class, each `size * size` ink values in [0, 1], row-major. */
  images: Float32Array[];
}
