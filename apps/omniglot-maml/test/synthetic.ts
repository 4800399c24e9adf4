import type { ImageClass } from '@metagrad/datasets';

/**
 * Random 28x28 "characters" for tests that need classes but not the real archives: each class
 * is a random blob pattern and its images are noisy copies of it.
 */
export function syntheticClasses(count: number, imagesPerClass = 20, seed = 1): ImageClass[] {
  let state = seed;
  const random = () => {
    // A small linear congruential generator, enough for test images.
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  return Array.from({ length: count }, (_, c) => {
    const base = Float32Array.from({ length: 784 }, () => (random() < 0.15 ? 1 : 0));
    const images = Array.from({ length: imagesPerClass }, () =>
      base.map((v) => Math.min(1, Math.max(0, v + 0.3 * (random() - 0.5)))),
    );
    return { id: `synthetic/${c}`, size: 28, images };
  });
}
