/**
 * The error classes of metagrad. Each message names the op, the argument, what was expected
 * and what was given, so that a wrong call can be fixed from the message alone.
 */

/** Base class of every error that metagrad raises on purpose. */
export class MetagradError extends Error {
  /** Class name, shown in stack traces. */
  override name = 'MetagradError';
}

/** A tensor's shape (or rank) does not fit the op. */
export class ShapeError extends MetagradError {
  /** Class name, shown in stack traces. */
  override name = 'ShapeError';
}

/** A tensor's dtype does not fit the op. */
export class DTypeError extends MetagradError {
  /** Class name, shown in stack traces. */
  override name = 'DTypeError';
}

/** A backend or kernel is missing, or tensors of two backends meet in one op. */
export class BackendError extends MetagradError {
  /** Class name, shown in stack traces. */
  override name = 'BackendError';
}

/** A tensor was used after `dispose()` or after the `tidy` scope that owned it ended. */
export class DisposedTensorError extends MetagradError {
  /** Class name, shown in stack traces. */
  override name = 'DisposedTensorError';
}

/** An option or argument has a value that the op does not accept. */
export class InvalidArgumentError extends MetagradError {
  /** Class name, shown in stack traces. */
  override name = 'InvalidArgumentError';
}

/** Differentiation failed: an input got no gradient, a graph was freed, or an anomaly was found. */
export class GradError extends MetagradError {
  /** Class name, shown in stack traces. */
  override name = 'GradError';
}

/** Formats a shape as `[2, 3]` for messages. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
