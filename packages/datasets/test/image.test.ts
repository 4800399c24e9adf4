import { describe, expect, it } from 'vitest';
import { distortImage, resizeArea, rotateImage, withRotations } from '../src/index.js';
import { SeededRandom } from './seeded-random.js';

function sum(values: Float32Array): number {
  return values.reduce((total, value) => total + value, 0);
}

describe('resizeArea', () => {
  it('conserves total ink up to the area ratio', () => {
    const data = new Float32Array(105 * 105);
    const rng = new SeededRandom(3);
    for (let i = 0; i < data.length; i++) data[i] = rng.random() < 0.1 ? 1 : 0;
    const resized = resizeArea({ width: 105, height: 105, data }, 28);
    expect(resized.length).toBe(28 * 28);
    expect(sum(resized) * (105 / 28) ** 2).toBeCloseTo(sum(data), 1);
  });

  it('keeps a one-pixel line visible', () => {
    const data = new Float32Array(105 * 105);
    for (let col = 0; col < 105; col++) data[50 * 105 + col] = 1;
    const resized = resizeArea({ width: 105, height: 105, data }, 28);
    // Output row 13 covers input rows [48.75, 52.5), so input row 50 fills 1 / 3.75 of it.
    for (let col = 0; col < 28; col++) {
      expect(resized[13 * 28 + col]).toBeCloseTo(1 / 3.75, 5);
    }
    expect(sum(resized)).toBeCloseTo(28 / 3.75, 4);
  });

  it('leaves an image unchanged at the same size', () => {
    const data = Float32Array.from({ length: 25 }, (_, i) => i / 24);
    const resized = resizeArea({ width: 5, height: 5, data }, 5);
    expect(Array.from(resized)).toEqual(Array.from(data));
  });
});

describe('rotateImage', () => {
  const image = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);

  it('turns 90 degrees counterclockwise', () => {
    expect(Array.from(rotateImage(image, 3, 90))).toEqual([3, 6, 9, 2, 5, 8, 1, 4, 7]);
  });

  it('turns 180 degrees', () => {
    expect(Array.from(rotateImage(image, 3, 180))).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it('composes four quarter turns to identity', () => {
    let turned: Float32Array = image;
    for (let i = 0; i < 4; i++) turned = rotateImage(turned, 3, 90);
    expect(Array.from(turned)).toEqual(Array.from(image));
  });

  it('rejects an image of the wrong length', () => {
    expect(() => rotateImage(image, 4, 90)).toThrow(/expected 16/);
  });
});

describe('withRotations', () => {
  it('makes four classes per class', () => {
    const base = { id: 'a', size: 3, images: [Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9])] };
    const rotated = withRotations([base, { ...base, id: 'b' }]);
    expect(rotated.map((c) => c.id)).toEqual([
      'a@0',
      'a@90',
      'a@180',
      'a@270',
      'b@0',
      'b@90',
      'b@180',
      'b@270',
    ]);
    expect(rotated[0].images[0]).toBe(base.images[0]);
    expect(Array.from(rotated[1].images[0])).toEqual([3, 6, 9, 2, 5, 8, 1, 4, 7]);
    expect(Array.from(rotated[3].images[0])).toEqual([7, 4, 1, 8, 5, 2, 9, 6, 3]);
    expect(rotated[2].baseId).toBe('a');
    expect(rotated[2].rotation).toBe(180);
  });
});

describe('distortImage', () => {
  const size = 28;
  const image = new Float32Array(size * size);
  for (let row = 8; row < 20; row++) image[row * size + 14] = 1;

  it('is the identity for zero ranges', () => {
    const out = new Float32Array(size * size);
    const options = { maxShift: 0, maxRotation: 0, maxScale: 0 };
    distortImage(image, size, new SeededRandom(1), options, out);
    for (let i = 0; i < out.length; i++) expect(out[i]).toBeCloseTo(image[i], 6);
  });

  it('moves ink but keeps values in [0, 1]', () => {
    const out = new Float32Array(size * size);
    distortImage(image, size, new SeededRandom(2), {}, out);
    expect(Math.min(...out)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...out)).toBeLessThanOrEqual(1);
    expect(out.some((value, i) => Math.abs(value - image[i]) > 0.1)).toBe(true);
    // Scale stays within 10%, so total ink stays close to the original 12 pixels.
    expect(sum(out)).toBeGreaterThan(12 * 0.8);
    expect(sum(out)).toBeLessThan(12 * 1.2);
  });

  it('repeats for the same seed', () => {
    const first = new Float32Array(size * size);
    const second = new Float32Array(size * size);
    distortImage(image, size, new SeededRandom(5), {}, first);
    distortImage(image, size, new SeededRandom(5), {}, second);
    expect(Array.from(second)).toEqual(Array.from(first));
  });
});
