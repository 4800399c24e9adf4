/**
 * A broadcast of one value per row over a tensor viewed as [outer, rows, n]: the small operand
 * varies along a contiguous block of dimensions (rows) and repeats over the dimensions before
 * (outer) and after it (n). A channel vector [1, C, 1, 1] over [N, C, H, W] is the common case:
 * outer = N, rows = C, n = H * W.
 */
export interface RowBlocks {
  outer: number;
  rows: number;
  n: number;
}

/**
 * Returns the [outer, rows, n] view in which `small`, broadcast to `shape`, has one value per
 * row. Returns null when it varies along dimensions that are not contiguous, or when rows or n
 * is 1, because the other loops cover those layouts.
 */
export function rowBlocks(small: readonly number[], shape: readonly number[]): RowBlocks | null {
  // The rows are where the small operand has sizes other than 1, and all of `shape`'s there.
  return blockView(
    small,
    shape,
    (size) => size !== 1,
    (size, full) => size === full,
  );
}

/**
 * Returns the [outer, rows, n] view in which `small`, broadcast to `shape`, repeats one row of n
 * values over the rows: it has size 1 along a contiguous block of dimensions (rows) and the
 * sizes of `shape` elsewhere. A bias [1, n] over [rows, n] and [B, 1, n] over [B, rows, n] are
 * the common cases. Returns null for any other layout, or when rows or n is 1.
 */
export function repeatedRows(small: readonly number[], shape: readonly number[]): RowBlocks | null {
  // The rows are where the small operand's sizes differ from `shape`'s, and all 1 there.
  return blockView(
    small,
    shape,
    (size, full) => size !== full,
    (size) => size === 1,
  );
}

/**
 * Returns the [outer, rows, n] view of `shape` whose rows run from the first to the last
 * dimension where `marks` is true of `small`'s size, when `fits` is true of every dimension in
 * between, else null. Also null when rows or n is 1.
 */
function blockView(
  small: readonly number[],
  shape: readonly number[],
  marks: (size: number, full: number) => boolean,
  fits: (size: number, full: number) => boolean,
): RowBlocks | null {
  const offset = shape.length - small.length;
  const sizeAt = (d: number) => (d < offset ? 1 : small[d - offset]);
  let first = -1;
  let last = -1;
  for (let d = 0; d < shape.length; d++) {
    if (!marks(sizeAt(d), shape[d])) continue;
    if (first < 0) first = d;
    last = d;
  }
  if (first < 0) return null;
  let outer = 1;
  let rows = 1;
  let n = 1;
  for (let d = 0; d < shape.length; d++) {
    if (d < first) outer *= shape[d];
    else if (d > last) n *= shape[d];
    else if (!fits(sizeAt(d), shape[d])) return null;
    else rows *= shape[d];
  }
  return rows > 1 && n > 1 ? { outer, rows, n } : null;
}
