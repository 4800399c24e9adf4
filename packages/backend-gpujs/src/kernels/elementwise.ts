import type { BinaryOp, CompareOp, KernelImpl, UnaryOp } from '@metagrad/core';
import { broadcastShapes, sizeOf } from '@metagrad/core';
import type { KernelSource } from '../codegen.js';
import { broadcastCoords, mapKernel, shareStorage } from './map.js';

// Shader arithmetic is float32, and GLSL leaves NaN and overflow behaviour to the driver. So
// each op below spells out the JavaScript result (as the CPU backend computes it) instead of
// relying on GLSL built-ins. NaN is tested with `v !== v`, and tanh and sigmoid never evaluate
// exp of a large positive number.
// NOTE: `v !== v` detects NaN only where the shader compiler keeps IEEE comparisons. Mesa
// llvmpipe does (the tests check it), but the start-up self-test covers no NaN case.

const isNaNOf = (v: string) => `${v} !== ${v}`;

/** Emits the code of a unary op on `v` and returns the result. */
function emitUnary(k: KernelSource, op: UnaryOp, v: string): string {
  switch (op) {
    case 'neg':
      return `-${v}`;
    case 'exp':
      return `Math.exp(${v})`;
    case 'log':
      return `Math.log(${v})`;
    case 'sqrt':
      return `Math.sqrt(${v})`;
    case 'abs':
      return `Math.abs(${v})`;
    case 'sin':
      return `Math.sin(${reduceAngle(k, v)})`;
    case 'cos':
      return `Math.cos(${reduceAngle(k, v)})`;
    case 'square':
      return `${v} * ${v}`;
    case 'reciprocal':
      return `1 / ${v}`;
    case 'floor':
      return `Math.floor(${v})`;
    case 'ceil':
      return `Math.ceil(${v})`;
    case 'relu':
      // NaN stays NaN, as in PyTorch.
      return `${v} > 0 ? ${v} : (${isNaNOf(v)} ? ${v} : 0)`;
    case 'sign':
      return `${v} > 0 ? 1 : (${v} < 0 ? -1 : (${v} === 0 ? 0 : ${v}))`;
    case 'sigmoid': {
      const e = k.variable(`Math.exp(-Math.abs(${v}))`);
      return `${v} >= 0 ? 1 / (1 + ${e}) : ${e} / (1 + ${e})`;
    }
    case 'tanh':
      return emitTanh(k, v);
  }
}

/** Rounds `value` to a float with `bits` significant bits, so that small multiples of it are exact. */
function truncateMantissa(value: number, bits: number): number {
  const exponent = Math.floor(Math.log2(Math.abs(value)));
  const unit = 2 ** (exponent - bits + 1);
  return Math.round(value / unit) * unit;
}

// 2π as the sum of three floats (Cody and Waite's argument reduction): the first two have 12
// significant bits, so k * part is exact in float32 for |k| <= 4096.
const TWO_PI_HIGH = truncateMantissa(2 * Math.PI, 12);
const TWO_PI_MIDDLE = truncateMantissa(2 * Math.PI - TWO_PI_HIGH, 12);
const TWO_PI_LOW = Math.fround(2 * Math.PI - TWO_PI_HIGH - TWO_PI_MIDDLE);
const REDUCIBLE_ANGLE = 4096 * 2 * Math.PI;

/**
 * Emits `v` reduced to about [-π, π] before sin or cos, because GPU built-ins lose accuracy
 * away from zero. NOTE: beyond |v| = 4096 * 2π the built-in gets the raw argument, and its result
 * is then up to the driver (Mesa llvmpipe returns ±1 for sin and cos of 1e30).
 */
function reduceAngle(k: KernelSource, v: string): string {
  const turns = k.variable(`Math.floor(${v} * ${1 / (2 * Math.PI)} + 0.5)`);
  const reduced = k.variable(v);
  k.branch(`Math.abs(${v}) < ${REDUCIBLE_ANGLE}`, () => {
    k.line(
      `${reduced} = ((${v} - ${turns} * ${TWO_PI_HIGH}) - ${turns} * ${TWO_PI_MIDDLE}) - ${turns} * ${TWO_PI_LOW};`,
    );
  });
  return reduced;
}

/**
 * tanh(|v|) = (1 - e) / (1 + e) with e = exp(-2|v|) <= 1, so it never overflows (the GLSL
 * built-in of WebGL 1 divides two overflowing exponentials and gives NaN at 50). Below 1/8 the
 * subtraction would lose relative precision, so a Taylor polynomial takes over there.
 */
function emitTanh(k: KernelSource, v: string): string {
  const a = k.variable(`Math.abs(${v})`);
  const e = k.variable(`Math.exp(-2 * ${a})`);
  const y = k.variable(`(1 - ${e}) / (1 + ${e})`);
  const a2 = k.variable(`${a} * ${a}`);
  k.line(
    `if (${a} < 0.125) { ${y} = ${a} * (1 + ${a2} * (-0.3333333333333333 + ${a2} * (0.13333333333333333 + ${a2} * -0.05396825396825397))); }`,
  );
  return `${v} < 0 ? -${y} : ${y}`;
}

export const unary: KernelImpl<'Unary'> = ([x], { op }, backend) =>
  mapKernel(backend, op, x.shape, x.dtype, (k, coords) => {
    const v = k.read(k.input(x), coords);
    return k.variable(emitUnary(k, op, v));
  });

/**
 * JavaScript's `a ** b` for the cases GLSL's pow leaves undefined: a zero exponent gives 1
 * (even for NaN), a negative base needs a whole exponent (odd ones keep the sign), a zero base
 * gives 0 or Infinity, and NaN propagates otherwise.
 */
function emitPow(k: KernelSource, a: string, b: string): string {
  const nan = k.scalar(Number.NaN);
  const r = k.variable(`Math.pow(Math.abs(${a}), ${b})`);
  k.line(`if (${a} < 0) {`);
  k.line(
    `if (Math.floor(${b}) === ${b}) { if (Math.floor(${b} * 0.5) !== ${b} * 0.5) { ${r} = -${r}; } }`,
  );
  k.line(`else { ${r} = ${nan}; }`);
  k.line('}');
  k.line(`if (${a} === 0) { ${r} = ${b} > 0 ? 0 : ${k.scalar(Number.POSITIVE_INFINITY)}; }`);
  k.line(`if (${isNaNOf(a)} || ${isNaNOf(b)}) { ${r} = ${nan}; }`);
  k.line(`if (${b} === 0) { ${r} = 1; }`);
  return r;
}

function emitBinary(k: KernelSource, op: BinaryOp, a: string, b: string): string {
  switch (op) {
    case 'add':
      return `${a} + ${b}`;
    case 'sub':
      return `${a} - ${b}`;
    case 'mul':
      return `${a} * ${b}`;
    case 'div':
      return `${a} / ${b}`;
    case 'pow':
      return emitPow(k, a, b);
    case 'maximum':
      return `(${isNaNOf(a)} || ${isNaNOf(b)}) ? ${a} + ${b} : Math.max(${a}, ${b})`;
    case 'minimum':
      return `(${isNaNOf(a)} || ${isNaNOf(b)}) ? ${a} + ${b} : Math.min(${a}, ${b})`;
  }
}

/**
 * Returns the value an Int32Array stores for `v`: truncated toward zero, NaN and infinities as 0.
 * NOTE: values beyond the int32 range are not wrapped as a typed-array store would wrap them.
 */
function toInt32(v: string): string {
  return `(${isNaNOf(v)} || ${v} - ${v} !== 0) ? 0 : (${v} < 0 ? Math.ceil(${v}) : Math.floor(${v}))`;
}

export const binary: KernelImpl<'Binary'> = ([x, y], { op }, backend) => {
  const shape = broadcastShapes(op, x.shape, y.shape);
  return mapKernel(backend, op, shape, x.dtype, (k, coords) => {
    const a = k.read(k.input(x), broadcastCoords(coords, x.shape));
    const b = k.read(k.input(y), broadcastCoords(coords, y.shape));
    const r = k.variable(emitBinary(k, op, a, b));
    // A bool result is 0 or 1 (true + true is true, as in PyTorch), and an int32 result is
    // what an Int32Array would store.
    if (x.dtype === 'bool') return `${r} !== 0 ? 1 : 0`;
    if (x.dtype === 'int32') return toInt32(r);
    return r;
  });
};

const COMPARISON: Record<CompareOp, string> = {
  eq: '===',
  ne: '!==',
  lt: '<',
  le: '<=',
  gt: '>',
  ge: '>=',
};

export const compare: KernelImpl<'Compare'> = ([x, y], { op }, backend) => {
  const shape = broadcastShapes(op, x.shape, y.shape);
  return mapKernel(backend, op, shape, 'bool', (k, coords) => {
    const a = k.read(k.input(x), broadcastCoords(coords, x.shape));
    const b = k.read(k.input(y), broadcastCoords(coords, y.shape));
    return `${a} ${COMPARISON[op]} ${b} ? 1 : 0`;
  });
};

export const where: KernelImpl<'Where'> = ([condition, x, y], _, backend) => {
  const shape = broadcastShapes('where', condition.shape, x.shape, y.shape);
  return mapKernel(backend, 'where', shape, x.dtype, (k, coords) => {
    const c = k.read(k.input(condition), broadcastCoords(coords, condition.shape));
    const a = k.read(k.input(x), broadcastCoords(coords, x.shape));
    const b = k.read(k.input(y), broadcastCoords(coords, y.shape));
    return `${c} !== 0 ? ${a} : ${b}`;
  });
};

export const cast: KernelImpl<'Cast'> = ([x], { dtype }, backend) => {
  // Storage is float32 for every dtype, so widening casts keep the stored values.
  const widening =
    dtype === x.dtype || dtype === 'float32' || (dtype === 'int32' && x.dtype === 'bool');
  if (widening) return shareStorage(x, x.shape, dtype);
  return mapKernel(backend, 'cast', x.shape, dtype, (k, coords) => {
    const v = k.read(k.input(x), coords);
    // Any non-zero value, NaN included, is true, as in PyTorch.
    return dtype === 'bool' ? `${v} !== 0 ? 1 : 0` : toInt32(v);
  });
};

export const fill: KernelImpl<'Fill'> = (_, { shape, dtype, value }, backend) => {
  let stored = value;
  if (dtype === 'bool') stored = value ? 1 : 0;
  return mapKernel(backend, 'fill', shape, dtype, (k) => k.scalar(stored));
};

/** True when `shape` has no elements, so a kernel has nothing to compute. */
export function isEmpty(shape: readonly number[]): boolean {
  return sizeOf(shape) === 0;
}
