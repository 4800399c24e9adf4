import { BackendError, formatShape, sizeOf } from '@metagrad/core';

/**
 * Flat indices inside a shader are float32 values, which count exactly only up to 2^24
 * (`this.thread.x` goes wrong above it, measured with gpu.js 2.24.1 on headless GL). Every
 * index that a kernel computes must therefore stay below this bound.
 */
export const EXACT_INDEX_LIMIT = 2 ** 24;

/**
 * How a tensor's elements are split into chunks (one texture or array each). A chunk contains
 * `chunkLength` consecutive elements in row-major order. `chunkLength` is a whole number of
 * rows of some axis, so a kernel finds an element's chunk from its coordinates with exact
 * small-integer arithmetic instead of from a flat index that may exceed 2^24.
 */
export interface ChunkLayout {
  readonly size: number;
  readonly chunkLength: number;
  readonly chunkCount: number;
}

/** Plans the chunks of a new tensor of `shape`, each at most `maxChunk` elements. */
export function planChunks(shape: readonly number[], maxChunk: number): ChunkLayout {
  const size = sizeOf(shape);
  if (size === 0) return { size, chunkLength: 0, chunkCount: 0 };
  if (size <= maxChunk) return { size, chunkLength: size, chunkCount: 1 };
  // The first axis whose rows fit in a chunk: a chunk is a whole number of those rows.
  let rowLength = size;
  for (const d of shape) {
    rowLength /= d;
    if (rowLength <= maxChunk) break;
  }
  const chunkLength = Math.floor(maxChunk / rowLength) * rowLength;
  return { size, chunkLength, chunkCount: Math.ceil(size / chunkLength) };
}

/**
 * How coordinates of a view of shape `shape` find their element in storage with `layout`.
 * The axes up to `axis` form a row index `prefix = sum(c[d] * prefixStrides[d])`, which splits
 * into the chunk number and the row inside the chunk. The remaining axes add
 * `sum(c[d] * strides[d])` inside the row.
 */
export interface Addressing {
  readonly axis: number;
  readonly rowLength: number;
  readonly rowsPerChunk: number;
  readonly prefixStrides: readonly number[];
  readonly strides: readonly number[];
}

/**
 * Finds the addressing of a view of shape `shape` over storage with `layout`. A view made by
 * reshape may split or merge axes, so the split axis is searched anew: it is the first axis
 * whose row length divides the chunk length. Raises when no axis keeps the row index exact.
 */
export function addressingFor(
  op: string,
  shape: readonly number[],
  layout: ChunkLayout,
): Addressing {
  const strides = rowMajorStrides(shape);
  if (layout.chunkCount <= 1) {
    return { axis: -1, rowLength: 1, rowsPerChunk: 1, prefixStrides: [], strides };
  }
  for (let axis = 0; axis < shape.length; axis++) {
    const rowLength = strides[axis];
    if (layout.chunkLength % rowLength !== 0) continue;
    if (layout.size / rowLength > EXACT_INDEX_LIMIT) break;
    const prefixStrides = strides.slice(0, axis + 1).map((s) => s / rowLength);
    return {
      axis,
      rowLength,
      rowsPerChunk: layout.chunkLength / rowLength,
      prefixStrides,
      strides,
    };
  }
  throw new BackendError(
    `${op}: the gpujs backend cannot address a view of shape ${formatShape(shape)} over storage ` +
      `split into ${layout.chunkCount} chunks of ${layout.chunkLength} elements; ` +
      'copy the tensor with a shape whose trailing dimensions divide the chunk length',
  );
}

export function rowMajorStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = stride;
    stride *= shape[i];
  }
  return strides;
}
