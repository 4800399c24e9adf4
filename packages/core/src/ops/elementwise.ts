import { type DType, isFloating, promoteTypes, promoteWithScalar } from '../dtype.js';
import { commonBackend, runKernel } from '../engine.js';
import { DTypeError, InvalidArgumentError } from '../errors.js';
import type { BinaryOp, CompareOp, UnaryOp } from '../kernel_names.js';
import { broadcastShapes } from '../shape.js';
import { Tensor } from '../tensor.js';
import { full, zerosLike } from './creation.js';
import { defineOp } from './op.js';
import { sumTo } from './shape.js';
import type { Scalar, TensorLike } from './types.js';

/** Converts a tensor's dtype; the gradient of a float-to-float cast is cast back. */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  return defineOp(
    'cast',
    [x],
    () => runKernel('Cast', [x], { dtype }, 'cast'),
    isFloating(dtype) && isFloating(x.dtype) ? (dy) => [cast(dy, x.dtype)] : null,
  );
}

/** The dtype of `a op b` with PyTorch's rules for tensors and Python scalars. */
export function resultType(a: TensorLike, b: TensorLike): DType {
  if (a instanceof Tensor && b instanceof Tensor) {
    // A 0-D tensor widens a dimensioned one only when it is of a higher category (bool <
    // integer < float), as in PyTorch: float64 0-D + float32 [n] is float32.
    if (a.rank === 0 && b.rank > 0 && notHigherCategory(a.dtype, b.dtype)) return b.dtype;
    if (b.rank === 0 && a.rank > 0 && notHigherCategory(b.dtype, a.dtype)) return a.dtype;
    return promoteTypes(a.dtype, b.dtype);
  }
  if (a instanceof Tensor) return promoteWithScalar(a.dtype, b as Scalar);
  if (b instanceof Tensor) return promoteWithScalar(b.dtype, a as Scalar);
  // Two Python scalars: ints give int32 (our int64 stand-in), anything else float32.
  const bothIntegers = [a, b].every((v) => typeof v === 'number' && Number.isInteger(v));
  return bothIntegers ? 'int32' : 'float32';
}

function notHigherCategory(zeroDim: DType, other: DType): boolean {
  const category = (d: DType) => (isFloating(d) ? 2 : d === 'int32' ? 1 : 0);
  return category(zeroDim) <= category(other);
}

/** Turns both operands into tensors of one dtype on one backend. */
export function promoteOperands(
  op: string,
  a: TensorLike,
  b: TensorLike,
  dtype?: DType,
): [Tensor, Tensor] {
  // Check for disposed tensors and mixed backends before a cast could report them under its own name.
  commonBackend(
    op,
    [a, b].filter((v): v is Tensor => v instanceof Tensor),
  );
  const target = dtype ?? resultType(a, b);
  const like = a instanceof Tensor ? a : b instanceof Tensor ? b : null;
  const toTensor = (v: TensorLike, arg: string): Tensor => {
    if (v instanceof Tensor) return cast(v, target);
    if (typeof v !== 'number' && typeof v !== 'boolean') {
      throw new InvalidArgumentError(
        `${op}: ${arg} must be a Tensor, number or boolean, got ${typeof v}`,
      );
    }
    return full([], Number(v), { dtype: target, backend: like?.backend });
  };
  return [toTensor(a, 'input'), toTensor(b, 'other')];
}

function unary(
  op: UnaryOp,
  x: Tensor,
  backward: Parameters<typeof defineOp>[3],
  saveOutput = false,
): Tensor {
  if (!(x instanceof Tensor)) {
    throw new InvalidArgumentError(`${op}: input must be a Tensor, got ${typeof x}`);
  }
  return defineOp(op, [x], () => runKernel('Unary', [x], { op }, op), backward, { saveOutput });
}

/** Like `unary`, but integer and bool inputs are converted to float32 first, as PyTorch does. */
function floatUnary(
  op: UnaryOp,
  x: Tensor,
  backward: Parameters<typeof defineOp>[3],
  saveOutput = false,
): Tensor {
  if (x instanceof Tensor) commonBackend(op, [x]);
  return unary(
    op,
    x instanceof Tensor && !isFloating(x.dtype) ? cast(x, 'float32') : x,
    backward,
    saveOutput,
  );
}

/** Negates element-wise. Throws `DTypeError` for a bool tensor. */
export function neg(x: Tensor): Tensor {
  if (x.dtype === 'bool')
    throw new DTypeError('neg: a bool tensor cannot be negated; use logical ops');
  return unary('neg', x, (dy) => [neg(dy)]);
}

/** Computes e^x element-wise. Integer and bool inputs are converted to float32 first. */
export function exp(x: Tensor): Tensor {
  return floatUnary('exp', x, (dy, _, [y]) => [mul(dy, y)], true);
}

/** Computes the natural logarithm element-wise. Integer and bool inputs are converted to float32 first. */
export function log(x: Tensor): Tensor {
  return floatUnary('log', x, (dy, [x]) => [div(dy, x)]);
}

/** Computes the square root element-wise. Integer and bool inputs are converted to float32 first. */
export function sqrt(x: Tensor): Tensor {
  return floatUnary('sqrt', x, (dy, _, [y]) => [div(dy, mul(y, 2))], true);
}

/** The gradient at 0 is 0, as PyTorch's (it uses sign(x)). */
export function abs(x: Tensor): Tensor {
  return unary('abs', x, (dy, [x]) => [mul(dy, sign(x))]);
}

/** Returns -1, 0 or 1 by the sign of each element; the gradient is zero. */
export function sign(x: Tensor): Tensor {
  return unary('sign', x, (dy) => [zerosLike(dy)]);
}

/** Computes x * x element-wise, keeping the dtype. */
export function square(x: Tensor): Tensor {
  return unary('square', x, (dy, [x]) => [mul(dy, mul(x, 2))]);
}

/** Computes 1 / x element-wise. Integer and bool inputs are converted to float32 first. */
export function reciprocal(x: Tensor): Tensor {
  return floatUnary('reciprocal', x, (dy, _, [y]) => [neg(mul(dy, square(y)))], true);
}

/** Rounds down element-wise; the gradient is zero. */
export function floor(x: Tensor): Tensor {
  return unary('floor', x, (dy) => [zerosLike(dy)]);
}

/** Rounds up element-wise; the gradient is zero. */
export function ceil(x: Tensor): Tensor {
  return unary('ceil', x, (dy) => [zerosLike(dy)]);
}

/** Computes 1 / (1 + e^-x) element-wise. Integer and bool inputs are converted to float32 first. */
export function sigmoid(x: Tensor): Tensor {
  return floatUnary('sigmoid', x, (dy, _, [y]) => [mul(dy, mul(y, sub(1, y)))], true);
}

/** Computes the sine (radians) element-wise. Integer and bool inputs are converted to float32 first. */
export function sin(x: Tensor): Tensor {
  return floatUnary('sin', x, (dy, [x]) => [mul(dy, cos(x))]);
}

/** Computes the cosine (radians) element-wise. Integer and bool inputs are converted to float32 first. */
export function cos(x: Tensor): Tensor {
  return floatUnary('cos', x, (dy, [x]) => [neg(mul(dy, sin(x)))]);
}

/** Computes the hyperbolic tangent element-wise. Integer and bool inputs are converted to float32 first. */
export function tanh(x: Tensor): Tensor {
  return floatUnary('tanh', x, (dy, _, [y]) => [mul(dy, sub(1, square(y)))], true);
}

/**
 * max(x, 0). As in PyTorch, the gradient is 0 where the output is <= 0 (so at exactly 0 too)
 * and passes everywhere else, NaN inputs included.
 */
export function relu(x: Tensor): Tensor {
  return unary('relu', x, (dy, _, [y]) => [where(le(y, 0), 0, dy)], true);
}

function binary(
  op: BinaryOp,
  a: TensorLike,
  b: TensorLike,
  backward: Parameters<typeof defineOp>[3],
  dtype?: DType,
): Tensor {
  const [x, y] = promoteOperands(op, a, b, dtype);
  broadcastShapes(op, x.shape, y.shape);
  return defineOp(op, [x, y], () => runKernel('Binary', [x, y], { op }, op), backward);
}

/** Adds element-wise, broadcasting and promoting dtypes as PyTorch does. */
export function add(a: TensorLike, b: TensorLike): Tensor {
  return binary('add', a, b, (dy, [x, y]) => [sumTo(dy, x.shape), sumTo(dy, y.shape)]);
}

/** Subtracts `b` from `a` element-wise, broadcasting. Throws `DTypeError` for a bool operand. */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  if (isBoolOperand(a) || isBoolOperand(b)) {
    throw new DTypeError(
      'sub: subtraction with a bool operand is not supported, as in PyTorch; use logicalNot to invert a mask',
    );
  }
  return binary('sub', a, b, (dy, [x, y]) => [sumTo(dy, x.shape), sumTo(neg(dy), y.shape)]);
}

function isBoolOperand(v: TensorLike): boolean {
  return typeof v === 'boolean' || (v instanceof Tensor && v.dtype === 'bool');
}

/** Multiplies element-wise, broadcasting and promoting dtypes as PyTorch does. */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return binary('mul', a, b, (dy, [x, y]) => [
    sumTo(mul(dy, y), x.shape),
    sumTo(mul(dy, x), y.shape),
  ]);
}

/** True division: integer operands give float32, as `torch.div` does. */
export function div(a: TensorLike, b: TensorLike): Tensor {
  const type = resultType(a, b);
  return binary(
    'div',
    a,
    b,
    // -dy * ((x / y) / y), grouped as PyTorch groups it, so that the second-order gradient at
    // y = 0 is an infinity where PyTorch's is (dy * x / y^2 would give 0 * inf = NaN).
    (dy, [x, y]) => [sumTo(div(dy, y), x.shape), sumTo(neg(mul(dy, div(div(x, y), y))), y.shape)],
    isFloating(type) ? type : 'float32',
  );
}

/**
 * `a ** b`. The gradients follow PyTorch: zero for the base where the exponent is 0, and zero
 * for the exponent where the base is 0 and the exponent non-negative.
 */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  if (resultType(a, b) === 'bool') {
    throw new DTypeError('pow: a bool base with a bool exponent is not supported, as in PyTorch');
  }
  if (a instanceof Tensor && typeof b === 'number') return powScalar(a, b);
  return binary('pow', a, b, (dy, [x, y]) => {
    const result = pow(x, y);
    const dx = where(eq(y, 0), 0, mul(dy, mul(y, pow(x, sub(y, 1)))));
    const dExponent = where(logicalAnd(eq(x, 0), ge(y, 0)), 0, mul(dy, mul(result, log(x))));
    return [sumTo(dx, x.shape), sumTo(dExponent, y.shape)];
  });
}

function powScalar(a: Tensor, exponent: number): Tensor {
  // Promote first, so that the shortcuts below return the dtype PyTorch does (bool ** 2 is int).
  const x = cast(a, resultType(a, exponent));
  if (exponent === 1) return mul(x, 1);
  if (exponent === 2) return square(x);
  const [base, e] = promoteOperands('pow', x, exponent);
  return defineOp(
    'pow',
    [base],
    () => runKernel('Binary', [base, e], { op: 'pow' }, 'pow'),
    (dy, [x]) => [exponent === 0 ? zerosLike(dy) : mul(dy, mul(pow(x, exponent - 1), exponent))],
  );
}

/**
 * Elementwise maximum. At ties each input gets half the gradient, and where either input is
 * NaN both get all of it, as in PyTorch.
 */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return binary('maximum', a, b, (dy, [x, y]) => tieSplit(dy, x, y, lt(x, y), gt(x, y)));
}

/** Elementwise minimum, with the gradient rules of {@link maximum}. */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return binary('minimum', a, b, (dy, [x, y]) => tieSplit(dy, x, y, gt(x, y), lt(x, y)));
}

/**
 * The gradients of maximum and minimum: an input that loses gets 0, a tie gives each input
 * half, and every other element (a win, or a comparison with NaN) passes dy whole.
 */
function tieSplit(dy: Tensor, x: Tensor, y: Tensor, xLoses: Tensor, yLoses: Tensor): Tensor[] {
  const shared = where(eq(x, y), mul(dy, 0.5), dy);
  return [sumTo(where(xLoses, 0, shared), x.shape), sumTo(where(yLoses, 0, shared), y.shape)];
}

function compare(op: CompareOp, a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = promoteOperands(op, a, b);
  broadcastShapes(op, x.shape, y.shape);
  return runKernel('Compare', [x, y], { op }, op);
}

/** Returns a bool tensor of `a == b`, broadcasting. */
export const eq = (a: TensorLike, b: TensorLike): Tensor => compare('eq', a, b);
/** Returns a bool tensor of `a != b`, broadcasting. */
export const ne = (a: TensorLike, b: TensorLike): Tensor => compare('ne', a, b);
/** Returns a bool tensor of `a < b`, broadcasting. */
export const lt = (a: TensorLike, b: TensorLike): Tensor => compare('lt', a, b);
/** Returns a bool tensor of `a <= b`, broadcasting. */
export const le = (a: TensorLike, b: TensorLike): Tensor => compare('le', a, b);
/** Returns a bool tensor of `a > b`, broadcasting. */
export const gt = (a: TensorLike, b: TensorLike): Tensor => compare('gt', a, b);
/** Returns a bool tensor of `a >= b`, broadcasting. */
export const ge = (a: TensorLike, b: TensorLike): Tensor => compare('ge', a, b);

/** Returns a bool tensor that is true where both inputs are non-zero, broadcasting. */
export function logicalAnd(a: Tensor, b: Tensor): Tensor {
  return cast(mul(cast(a, 'int32'), cast(b, 'int32')), 'bool');
}

/** Returns a bool tensor that is true where the input is zero. */
export function logicalNot(a: Tensor): Tensor {
  return eq(cast(a, 'int32'), 0);
}

/** Elements of `a` where `condition` is true, else of `b`; all three broadcast. */
export function where(condition: Tensor, a: TensorLike, b: TensorLike): Tensor {
  if (!(condition instanceof Tensor) || condition.dtype !== 'bool') {
    throw new DTypeError(
      `where: condition must be a bool tensor, got ${condition instanceof Tensor ? condition.dtype : typeof condition}`,
    );
  }
  const [x, y] = promoteOperands('where', a, b);
  broadcastShapes('where', condition.shape, x.shape, y.shape);
  return defineOp(
    'where',
    [condition, x, y],
    () => runKernel('Where', [condition, x, y], {}, 'where'),
    (dy, [c, x, y]) => [null, sumTo(where(c, dy, 0), x.shape), sumTo(where(c, 0, dy), y.shape)],
  );
}

/**
 * Clamps into [min, max] (either bound may be left out). The gradient passes where
 * min <= x <= max, bounds included, as PyTorch's does.
 */
export function clamp(x: Tensor, min?: Scalar | null, max?: Scalar | null): Tensor {
  if (min == null && max == null) {
    throw new InvalidArgumentError('clamp: at least one of min and max must be given');
  }
  return defineOp(
    'clamp',
    [x],
    () => {
      let out = x;
      if (min != null)
        out = runKernel(
          'Binary',
          promoteOperands('clamp', out, min, x.dtype),
          { op: 'maximum' },
          'clamp',
        );
      if (max != null)
        out = runKernel(
          'Binary',
          promoteOperands('clamp', out, max, x.dtype),
          { op: 'minimum' },
          'clamp',
        );
      return out;
    },
    (dy, [x]) => {
      let mask = full(x.shape, true, { dtype: 'bool', backend: x.backend });
      if (min != null) mask = logicalAnd(mask, ge(x, min));
      if (max != null) mask = logicalAnd(mask, le(x, max));
      return [mul(dy, cast(mask, dy.dtype))];
    },
  );
}

/** Returns a bool tensor that is false at NaN and infinite elements; always true for integer dtypes. */
export function isFinite(x: Tensor): Tensor {
  if (!isFloating(x.dtype)) return full(x.shape, true, { dtype: 'bool', backend: x.backend });
  return lt(abs(x), Number.POSITIVE_INFINITY);
}
