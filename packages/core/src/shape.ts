import { formatShape, InvalidArgumentError, ShapeError } from './errors.js';

/** Size of each dimension of a tensor; `[]` for a scalar. */
export type Shape = readonly number[];

/** Returns the number of elements of `shape` (1 for a scalar). */
export function sizeOf(shape: Shape): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/** Row-major (C order) strides of `shape`, in elements. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = stride;
    stride *= shape[i];
  }
  return strides;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Broadcasts shapes as NumPy and PyTorch do: align from the right; sizes must match or be 1. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  // Most element-wise ops see operands of one shape, which need no broadcasting.
  if (shapes.length === 2 && sameDims(shapes[0], shapes[1])) return [...shapes[0]];
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const shape of shapes) {
    const offset = rank - shape.length;
    for (let i = 0; i < shape.length; i++) {
      const d = shape[i];
      const o = out[offset + i];
      if (o === 1) out[offset + i] = d;
      else if (d !== 1 && d !== o) {
        throw new ShapeError(
          `${op}: shapes ${shapes.map(formatShape).join(' and ')} cannot be broadcast together ` +
            `(size ${d} against ${o} at dimension ${offset + i} of the result)`,
        );
      }
    }
  }
  return out;
}

function sameDims(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Resolves a possibly negative axis against `rank`, raising an error that names the op. */
export function normalizeAxis(op: string, axis: number, rank: number, arg = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1)) {
    throw new InvalidArgumentError(
      `${op}: ${arg} must be an integer in [${-Math.max(rank, 1)}, ${Math.max(rank, 1) - 1}] for a rank-${rank} tensor, got ${axis}`,
    );
  }
  return axis < 0 ? axis + rank : axis;
}

/** Resolves `axis` (undefined/null = all axes, a number, or a list) to sorted unique axes. */
export function normalizeAxes(
  op: string,
  axis: number | readonly number[] | null | undefined,
  rank: number,
): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : axis;
  const axes = list.map((a) => normalizeAxis(op, a, rank));
  const unique = [...new Set(axes)].sort((a, b) => a - b);
  if (unique.length !== axes.length) {
    throw new InvalidArgumentError(`${op}: axis lists a dimension twice: [${list.join(', ')}]`);
  }
  return unique;
}

export function assertValidShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new InvalidArgumentError(
        `${op}: shape must contain non-negative integers, got ${formatShape(shape)}`,
      );
    }
  }
}
