import {
  DTypeError,
  formatShape,
  InvalidArgumentError,
  isFloating,
  type Pair,
  ShapeError,
  type Tensor,
} from '@metagrad/core';

/**
 * Argument checks shared by the layers. Each error names the op, the argument, what it is and
 * what was expected, in the form `conv2d: weight has shape [3, 3, 3], expected rank 4 [...]`.
 */

/** Raises a ShapeError stating the argument's shape and the expected one. */
export function shapeError(
  op: string,
  arg: string,
  shape: readonly number[],
  expected: string,
): never {
  throw new ShapeError(`${op}: ${arg} has shape ${formatShape(shape)}, expected ${expected}`);
}

/** Checks that `t` is float32 or float64. */
export function assertFloating(op: string, arg: string, t: Tensor): void {
  if (!isFloating(t.dtype)) {
    throw new DTypeError(`${op}: ${arg} has dtype ${t.dtype}, expected float32 or float64`);
  }
}

/** Checks that `t` has the dtype of the input, since the kernels do not mix precisions. */
export function assertSameDtype(op: string, arg: string, t: Tensor, input: Tensor): void {
  if (t.dtype !== input.dtype) {
    throw new DTypeError(
      `${op}: ${arg} has dtype ${t.dtype}, expected the input's dtype ${input.dtype}; cast one of them`,
    );
  }
}

/** Checks that `t` is a 1-D tensor of `size` elements. */
export function assertVector(op: string, arg: string, t: Tensor, size: number, what: string): void {
  if (t.rank !== 1 || t.shape[0] !== size) shapeError(op, arg, t.shape, `[${what}] = [${size}]`);
}

/** Checks that a number option is an integer of at least `min`. */
export function assertInteger(op: string, name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError(
      `${op}: ${name} must be an integer >= ${min}, got ${formatValue(value)}`,
    );
  }
  return value;
}

/**
 * Reads an option given as one integer for both spatial dimensions or as a
 * [height, width] pair, as PyTorch's `_pair` does, and checks each entry is >= `min`.
 */
export function toPair(op: string, name: string, value: unknown, min: number): Pair {
  if (typeof value === 'number') {
    assertInteger(op, name, value, min);
    return [value, value];
  }
  if (Array.isArray(value) && value.length === 2) {
    assertInteger(op, `${name}[0]`, value[0], min);
    assertInteger(op, `${name}[1]`, value[1], min);
    return [value[0], value[1]];
  }
  throw new InvalidArgumentError(
    `${op}: ${name} must be an integer or a [height, width] pair, got ${formatValue(value)}`,
  );
}

/** Checks that a boolean option is a boolean. */
export function assertBoolean(op: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw new InvalidArgumentError(
      `${op}: ${name} must be true or false, got ${formatValue(value)}`,
    );
  }
  return value;
}

/** Formats an option value for a message: arrays in brackets, strings quoted. */
export function formatValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  if (typeof value === 'string') return `'${value}'`;
  return String(value);
}
