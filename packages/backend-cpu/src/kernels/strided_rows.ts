import { stridesOf } from '@metagrad/core';

/**
 * The strides of an input of `inShape` broadcast to `outShape`: 0 along the dimensions that it
 * repeats (size 1, or missing on the left).
 */
export function broadcastStrides(
  inShape: readonly number[],
  outShape: readonly number[],
): number[] {
  const offset = outShape.length - inShape.length;
  const inStrides = stridesOf(inShape);
  return outShape.map((_, d) =>
    d < offset || inShape[d - offset] === 1 ? 0 : inStrides[d - offset],
  );
}

/**
 * A row-major walk over `shape` for several operands at once, each with its own strides, done
 * as rows of the innermost dimension. Size-1 dimensions are dropped and neighbouring dimensions
 * merged wherever every operand steps through them as one, so a same-shape, scalar or row
 * broadcast becomes a few long rows. A kernel reads `offsets` and `innerStrides` for each row,
 * runs its own tight loop over `length` elements, then calls `next()`.
 */
export class StridedRows {
  /** Number of rows. */
  readonly rows: number;
  /** Elements per row. */
  readonly length: number;
  /** Per operand: the step between elements of a row. */
  readonly innerStrides: number[];
  /** Per operand: the flat offset of the current row's first element. */
  readonly offsets: number[];
  readonly #shape: number[];
  readonly #strides: number[][];
  readonly #index: number[];

  constructor(shape: readonly number[], strides: readonly (readonly number[])[]) {
    const operands = strides.length;
    const dims: number[] = [];
    const merged: number[][] = strides.map(() => []);
    for (let d = 0; d < shape.length; d++) {
      if (shape[d] === 1) continue;
      const last = dims.length - 1;
      // Merge d into the previous dimension when each operand's previous stride is its stride
      // along d times the size of d: the two dimensions then walk memory as one.
      if (last >= 0 && merged.every((s, k) => s[last] === strides[k][d] * shape[d])) {
        dims[last] *= shape[d];
        for (let k = 0; k < operands; k++) merged[k][last] = strides[k][d];
      } else {
        dims.push(shape[d]);
        for (let k = 0; k < operands; k++) merged[k].push(strides[k][d]);
      }
    }
    let size = 1;
    for (const d of shape) size *= d;
    if (dims.length === 0) {
      dims.push(1);
      for (const s of merged) s.push(0);
    }
    const rank = dims.length;
    this.length = size === 0 ? 0 : dims[rank - 1];
    this.rows = size === 0 ? 0 : size / this.length;
    this.innerStrides = merged.map((s) => s[rank - 1]);
    this.offsets = new Array(operands).fill(0);
    this.#shape = dims.slice(0, -1);
    this.#strides = merged.map((s) => s.slice(0, -1));
    this.#index = new Array(rank - 1).fill(0);
  }

  /** Moves `offsets` to the start of the next row. */
  next(): void {
    const offsets = this.offsets;
    for (let d = this.#shape.length - 1; d >= 0; d--) {
      this.#index[d]++;
      for (let k = 0; k < offsets.length; k++) offsets[k] += this.#strides[k][d];
      if (this.#index[d] < this.#shape[d]) return;
      for (let k = 0; k < offsets.length; k++) offsets[k] -= this.#strides[k][d] * this.#shape[d];
      this.#index[d] = 0;
    }
  }
}
