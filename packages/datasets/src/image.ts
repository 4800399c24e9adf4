import { type DecodedPng, decode, type PngDataArray } from 'fast-png';

/** A grayscale image stored row-major, one float per pixel. */
export interface GrayImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Pixel values, `width * height` of them, row by row. */
  data: Float32Array;
}

/** Reads sample `index` of a row of samples packed at `depth` bits, most significant first. */
function readSample(row: PngDataArray, index: number, depth: number): number {
  if (depth >= 8) return row[index];
  const bit = index * depth;
  const shift = 8 - depth - (bit % 8);
  return (row[bit >> 3] >> shift) & ((1 << depth) - 1);
}

/**
 * Decodes a PNG into ink values in [0, 1], where 1 is ink. Omniglot draws black strokes on
 * white, so the gray level is inverted. Transparent pixels count as paper.
 */
export function decodeInk(png: Uint8Array, source: string): GrayImage {
  let decoded: DecodedPng;
  try {
    decoded = decode(png);
  } catch (error) {
    throw new Error(`Failed to decode PNG ${source}`, { cause: error });
  }
  const { width, height, depth, channels, palette, transparency } = decoded;
  // fast-png 8 packs samples below 8 bits, with each row starting on a byte boundary.
  // A palette only applies to one-channel (indexed) images; in truecolor ones it is a hint.
  const rowLength = depth >= 8 ? width * channels : Math.ceil((width * channels * depth) / 8);
  const maxSample = 2 ** depth - 1;
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = decoded.data.subarray(y * rowLength, (y + 1) * rowLength);
    for (let x = 0; x < width; x++) {
      const first = x * channels;
      let gray: number;
      let alpha = 1;
      if (palette !== undefined && channels === 1) {
        const index = readSample(row, first, depth);
        const [r, g, b] = palette[index];
        gray = (r + g + b) / (3 * 255);
        if (transparency !== undefined && index < transparency.length) {
          alpha = transparency[index] / 255;
        }
      } else {
        const colors = channels === 1 || channels === 2 ? 1 : 3;
        let sum = 0;
        let matchesTransparent = transparency !== undefined;
        for (let c = 0; c < colors; c++) {
          const sample = readSample(row, first + c, depth);
          sum += sample;
          if (transparency !== undefined && transparency[c] !== sample) matchesTransparent = false;
        }
        gray = sum / (colors * maxSample);
        if (channels === 2 || channels === 4) {
          alpha = readSample(row, first + colors, depth) / maxSample;
        } else if (matchesTransparent) {
          alpha = 0;
        }
      }
      data[y * width + x] = (1 - gray) * alpha;
    }
  }
  return { width, height, data };
}

/** The source pixels one output pixel covers along one axis, with their overlap lengths. */
interface BoxTaps {
  indices: Int32Array;
  weights: Float32Array;
}

/**
 * Computes, for each of `dstLength` output cells, which of `srcLength` input cells it
 * overlaps and by how much, with weights normalized to sum to 1.
 */
function boxTaps(srcLength: number, dstLength: number): BoxTaps[] {
  const ratio = srcLength / dstLength;
  const taps: BoxTaps[] = [];
  for (let d = 0; d < dstLength; d++) {
    const start = d * ratio;
    const end = (d + 1) * ratio;
    const indices: number[] = [];
    const weights: number[] = [];
    for (let s = Math.floor(start); s < Math.min(Math.ceil(end), srcLength); s++) {
      const overlap = Math.min(end, s + 1) - Math.max(start, s);
      if (overlap > 0) {
        indices.push(s);
        weights.push(overlap / ratio);
      }
    }
    taps.push({ indices: Int32Array.from(indices), weights: Float32Array.from(weights) });
  }
  return taps;
}

/**
 * Resizes an image to `size` x `size` by area averaging (a box filter). Each output pixel is
 * the mean of the input area it covers, so a one-pixel stroke still leaves gray ink after a
 * 105 to 28 reduction instead of vanishing between sample points.
 */
export function resizeArea(image: GrayImage, size: number): Float32Array {
  const columnTaps = boxTaps(image.width, size);
  const rowTaps = boxTaps(image.height, size);

  // Horizontal pass: image.height rows of `size` columns.
  const horizontal = new Float32Array(image.height * size);
  for (let y = 0; y < image.height; y++) {
    const rowOffset = y * image.width;
    for (let x = 0; x < size; x++) {
      const { indices, weights } = columnTaps[x];
      let sum = 0;
      for (let k = 0; k < indices.length; k++) {
        sum += weights[k] * image.data[rowOffset + indices[k]];
      }
      horizontal[y * size + x] = sum;
    }
  }

  // Vertical pass.
  const out = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    const { indices, weights } = rowTaps[y];
    for (let x = 0; x < size; x++) {
      let sum = 0;
      for (let k = 0; k < indices.length; k++) {
        sum += weights[k] * horizontal[indices[k] * size + x];
      }
      out[y * size + x] = Math.min(1, Math.max(0, sum));
    }
  }
  return out;
}

/** Decodes a PNG to ink values and resizes it to `size` x `size` by area averaging. */
export function loadInkImage(png: Uint8Array, size: number, source: string): Float32Array {
  return resizeArea(decodeInk(png, source), size);
}

/** Checks that `size` is a usable output image side length. */
export function checkImageSize(size: number, caller: string): void {
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`${caller}: size must be a positive integer, got ${size}`);
  }
}
