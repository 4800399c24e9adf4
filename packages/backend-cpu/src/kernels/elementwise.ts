import type { BinaryOp, CompareOp, KernelImpl, TypedArray } from '@metagrad/core';
import { broadcastShapes, sizeOf } from '@metagrad/core';
import { allocate, allocateOverwritten, output, valuesOf } from '../backend.js';
import type { ElementwiseLoops } from '../wasm/elementwise_runtime.js';
import { reluInto, selectRow, wordsOf, wordsPerElement } from './bits.js';
import { expForFloat32, sigmoidForFloat32, tanhForFloat32 } from './float32_math.js';
import { repeatedRows, rowBlocks } from './row_blocks.js';
import {
  simdBinaryRow,
  simdCompareRow,
  simdLoops,
  simdLoopsWithBytes,
  simdUnary,
  simdWhereRow,
} from './simd_rows.js';
import { broadcastStrides, StridedRows } from './strided_rows.js';
import { sameShape } from './strides.js';

export const unary: KernelImpl<'Unary'> = ([x], { op }) => {
  const a = valuesOf(x);
  const out = allocateOverwritten(x.dtype, a.length);
  const n = a.length;
  const loops = simdLoops(a, out);
  if (loops && simdUnary(loops, op, a, out)) return output(out, x.shape, x.dtype);
  switch (op) {
    case 'neg':
      for (let i = 0; i < n; i++) out[i] = -a[i];
      break;
    case 'exp':
      if (x.dtype === 'float32') for (let i = 0; i < n; i++) out[i] = expForFloat32(a[i]);
      else for (let i = 0; i < n; i++) out[i] = Math.exp(a[i]);
      break;
    case 'log':
      for (let i = 0; i < n; i++) out[i] = Math.log(a[i]);
      break;
    case 'sqrt':
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(a[i]);
      break;
    case 'abs':
      for (let i = 0; i < n; i++) out[i] = Math.abs(a[i]);
      break;
    case 'sigmoid':
      if (x.dtype === 'float32') for (let i = 0; i < n; i++) out[i] = sigmoidForFloat32(a[i]);
      else for (let i = 0; i < n; i++) out[i] = 1 / (1 + Math.exp(-a[i]));
      break;
    case 'tanh':
      if (x.dtype === 'float32') for (let i = 0; i < n; i++) out[i] = tanhForFloat32(a[i]);
      else for (let i = 0; i < n; i++) out[i] = Math.tanh(a[i]);
      break;
    case 'sin':
      for (let i = 0; i < n; i++) out[i] = Math.sin(a[i]);
      break;
    case 'cos':
      for (let i = 0; i < n; i++) out[i] = Math.cos(a[i]);
      break;
    case 'relu':
      if (x.dtype === 'bool') for (let i = 0; i < n; i++) out[i] = a[i];
      else reluInto(x.dtype, a, out);
      break;
    case 'sign':
      for (let i = 0; i < n; i++) out[i] = a[i] > 0 ? 1 : a[i] < 0 ? -1 : a[i] === 0 ? 0 : a[i];
      break;
    case 'square':
      for (let i = 0; i < n; i++) out[i] = a[i] * a[i];
      break;
    case 'reciprocal':
      for (let i = 0; i < n; i++) out[i] = 1 / a[i];
      break;
    case 'floor':
      for (let i = 0; i < n; i++) out[i] = Math.floor(a[i]);
      break;
    case 'ceil':
      for (let i = 0; i < n; i++) out[i] = Math.ceil(a[i]);
      break;
  }
  return output(out, x.shape, x.dtype);
};

export const binary: KernelImpl<'Binary'> = ([x, y], { op }) => {
  const shape = broadcastShapes(op, x.shape, y.shape);
  const a = valuesOf(x);
  const b = valuesOf(y);
  const out = allocateOverwritten(x.dtype, sizeOf(shape));
  const n = out.length;
  const loops = simdLoops(a, b, out);
  if (sameShape(x.shape, y.shape)) {
    if (!loops || !simdBinaryRow(loops, op, a, 0, 1, b, 0, 1, out, 0, n)) {
      denseRow(op, a, 0, b, 0, out, 0, n);
    }
  } else if (!(loops && rowValuesBinary(loops, op, x.shape, y.shape, shape, a, b, out))) {
    const walk = new StridedRows(shape, [
      broadcastStrides(x.shape, shape),
      broadcastStrides(y.shape, shape),
    ]);
    const [sa, sb] = walk.innerStrides;
    const offsets = walk.offsets;
    for (let row = 0, at = 0; row < walk.rows; row++, at += walk.length) {
      const [ia, ib] = offsets;
      if (!loops || !simdBinaryRow(loops, op, a, ia, sa, b, ib, sb, out, at, walk.length)) {
        binaryRow(op, a, ia, sa, b, ib, sb, out, at, walk.length);
      }
      walk.next();
    }
  }
  // A bool result is stored as 0 or 1: true + true is true, as in PyTorch, not 2.
  if (x.dtype === 'bool') for (let i = 0; i < n; i++) out[i] = out[i] !== 0 ? 1 : 0;
  return output(out, shape, x.dtype);
};

/**
 * Runs a binary op whose one operand has the output's shape, with one SIMD call per outer index
 * of an [outer, rows, n] view. The other operand has one value per row there (a channel vector)
 * or one row repeated over the rows (a bias). Returns false for any other layout or op.
 */
function rowValuesBinary(
  loops: ElementwiseLoops,
  op: BinaryOp,
  aShape: readonly number[],
  bShape: readonly number[],
  shape: readonly number[],
  a: TypedArray,
  b: TypedArray,
  out: TypedArray,
): boolean {
  if (op !== 'add' && op !== 'sub' && op !== 'mul' && op !== 'div') return false;
  const fullA = sameShape(aShape, shape);
  if (!fullA && !sameShape(bShape, shape)) return false;
  const [full, values] = fullA ? [a, b] : [b, a];
  const smallShape = fullA ? bShape : aShape;
  // IEEE addition and multiplication commute exactly, so values on the left of them run the
  // same loop as values on the right.
  const right = fullA || op === 'add' || op === 'mul';
  const size = full.BYTES_PER_ELEMENT;

  const perValue = rowBlocks(smallShape, shape);
  if (perValue) {
    const loop = right ? loops.rowValues[op] : loops.rowValuesLeft[op];
    const { outer, rows, n } = perValue;
    for (let o = 0; o < outer; o++) {
      const at = o * rows * n * size;
      loop(full.byteOffset + at, values.byteOffset, out.byteOffset + at, rows, n);
    }
    return true;
  }

  const repeated = repeatedRows(smallShape, shape);
  if (repeated) {
    const loop = right ? loops.repeatedRow[op] : loops.repeatedRowLeft[op];
    const { outer, rows, n } = repeated;
    for (let o = 0; o < outer; o++) {
      const at = o * rows * n * size;
      loop(full.byteOffset + at, values.byteOffset + o * n * size, out.byteOffset + at, rows, n);
    }
    return true;
  }
  return false;
}

/** out[at + i] = a[ia + i * sa] (op) b[ib + i * sb] for i < n; a stride of 0 repeats a value. */
function binaryRow(
  op: BinaryOp,
  a: TypedArray,
  ia: number,
  sa: number,
  b: TypedArray,
  ib: number,
  sb: number,
  out: TypedArray,
  at: number,
  n: number,
): void {
  // The common layouts get their own loops: same-shape operands, and a scalar or per-channel
  // operand (a stride of 0 along the row).
  if (sa === 1 && sb === 1) denseRow(op, a, ia, b, ib, out, at, n);
  else if (sa === 1 && sb === 0) scalarRightRow(op, a, ia, b, ib, out, at, n);
  else stridedRow(op, a, ia, sa, b, ib, sb, out, at, n);
}

// The loops below handle four elements per iteration and load all four before storing any.
// V8 cannot tell that `out` does not alias the inputs, so in a one-element loop every store
// makes it reload. On float32 [25, 64, 14, 14] the four-element loop took 3.5 to 4.7 ns per
// element and the one-element loop 7 to 8 ns. The loops keep offsets instead of taking
// subarrays, because rows are often short (a bias row, one channel of an image).

/** Sets out[at + i] = a[ia + i] (op) b[ib + i] for i < n. */
function denseRow(
  op: BinaryOp,
  a: TypedArray,
  ia: number,
  b: TypedArray,
  ib: number,
  out: TypedArray,
  at: number,
  n: number,
): void {
  const n4 = n - (n % 4);
  switch (op) {
    case 'add':
      for (let i = 0; i < n4; i += 4) {
        const j = ia + i;
        const k = ib + i;
        const r0 = a[j] + b[k];
        const r1 = a[j + 1] + b[k + 1];
        const r2 = a[j + 2] + b[k + 2];
        const r3 = a[j + 3] + b[k + 3];
        const o = at + i;
        out[o] = r0;
        out[o + 1] = r1;
        out[o + 2] = r2;
        out[o + 3] = r3;
      }
      for (let i = n4; i < n; i++) out[at + i] = a[ia + i] + b[ib + i];
      return;
    case 'sub':
      for (let i = 0; i < n4; i += 4) {
        const j = ia + i;
        const k = ib + i;
        const r0 = a[j] - b[k];
        const r1 = a[j + 1] - b[k + 1];
        const r2 = a[j + 2] - b[k + 2];
        const r3 = a[j + 3] - b[k + 3];
        const o = at + i;
        out[o] = r0;
        out[o + 1] = r1;
        out[o + 2] = r2;
        out[o + 3] = r3;
      }
      for (let i = n4; i < n; i++) out[at + i] = a[ia + i] - b[ib + i];
      return;
    case 'mul':
      for (let i = 0; i < n4; i += 4) {
        const j = ia + i;
        const k = ib + i;
        const r0 = a[j] * b[k];
        const r1 = a[j + 1] * b[k + 1];
        const r2 = a[j + 2] * b[k + 2];
        const r3 = a[j + 3] * b[k + 3];
        const o = at + i;
        out[o] = r0;
        out[o + 1] = r1;
        out[o + 2] = r2;
        out[o + 3] = r3;
      }
      for (let i = n4; i < n; i++) out[at + i] = a[ia + i] * b[ib + i];
      return;
    case 'div':
      for (let i = 0; i < n4; i += 4) {
        const j = ia + i;
        const k = ib + i;
        const r0 = a[j] / b[k];
        const r1 = a[j + 1] / b[k + 1];
        const r2 = a[j + 2] / b[k + 2];
        const r3 = a[j + 3] / b[k + 3];
        const o = at + i;
        out[o] = r0;
        out[o + 1] = r1;
        out[o + 2] = r2;
        out[o + 3] = r3;
      }
      for (let i = n4; i < n; i++) out[at + i] = a[ia + i] / b[ib + i];
      return;
    default:
      stridedRow(op, a, ia, 1, b, ib, 1, out, at, n);
  }
}

/**
 * Sets out[at + i] = a[ia + i] (op) b[ib] for i < n.
 */
function scalarRightRow(
  op: BinaryOp,
  a: TypedArray,
  ia: number,
  b: TypedArray,
  ib: number,
  out: TypedArray,
  at: number,
  n: number,
): void {
  const value = b[ib];
  const n4 = n - (n % 4);
  switch (op) {
    case 'add':
      for (let i = 0; i < n4; i += 4) {
        const j = ia + i;
        const r0 = a[j] + value;
        const r1 = a[j + 1] + value;
        const r2 = a[j + 2] + value;
        const r3 = a[j + 3] + value;
        const k = at + i;
        out[k] = r0;
        out[k + 1] = r1;
        out[k + 2] = r2;
        out[k + 3] = r3;
      }
      for (let i = n4; i < n; i++) out[at + i] = a[ia + i] + value;
      return;
    case 'sub':
      for (let i = 0; i < n4; i += 4) {
        const j = ia + i;
        const r0 = a[j] - value;
        const r1 = a[j + 1] - value;
        const r2 = a[j + 2] - value;
        const r3 = a[j + 3] - value;
        const k = at + i;
        out[k] = r0;
        out[k + 1] = r1;
        out[k + 2] = r2;
        out[k + 3] = r3;
      }
      for (let i = n4; i < n; i++) out[at + i] = a[ia + i] - value;
      return;
    case 'mul':
      for (let i = 0; i < n4; i += 4) {
        const j = ia + i;
        const r0 = a[j] * value;
        const r1 = a[j + 1] * value;
        const r2 = a[j + 2] * value;
        const r3 = a[j + 3] * value;
        const k = at + i;
        out[k] = r0;
        out[k + 1] = r1;
        out[k + 2] = r2;
        out[k + 3] = r3;
      }
      for (let i = n4; i < n; i++) out[at + i] = a[ia + i] * value;
      return;
    case 'div':
      for (let i = 0; i < n4; i += 4) {
        const j = ia + i;
        const r0 = a[j] / value;
        const r1 = a[j + 1] / value;
        const r2 = a[j + 2] / value;
        const r3 = a[j + 3] / value;
        const k = at + i;
        out[k] = r0;
        out[k + 1] = r1;
        out[k + 2] = r2;
        out[k + 3] = r3;
      }
      for (let i = n4; i < n; i++) out[at + i] = a[ia + i] / value;
      return;
    default:
      stridedRow(op, a, ia, 1, b, ib, 0, out, at, n);
  }
}

function stridedRow(
  op: BinaryOp,
  a: TypedArray,
  ia: number,
  sa: number,
  b: TypedArray,
  ib: number,
  sb: number,
  out: TypedArray,
  at: number,
  n: number,
): void {
  switch (op) {
    case 'add':
      for (let i = 0; i < n; i++) out[at + i] = a[ia + i * sa] + b[ib + i * sb];
      break;
    case 'sub':
      for (let i = 0; i < n; i++) out[at + i] = a[ia + i * sa] - b[ib + i * sb];
      break;
    case 'mul':
      for (let i = 0; i < n; i++) out[at + i] = a[ia + i * sa] * b[ib + i * sb];
      break;
    case 'div':
      for (let i = 0; i < n; i++) out[at + i] = a[ia + i * sa] / b[ib + i * sb];
      break;
    case 'pow':
      for (let i = 0; i < n; i++) out[at + i] = a[ia + i * sa] ** b[ib + i * sb];
      break;
    case 'maximum':
      for (let i = 0; i < n; i++) out[at + i] = Math.max(a[ia + i * sa], b[ib + i * sb]);
      break;
    case 'minimum':
      for (let i = 0; i < n; i++) out[at + i] = Math.min(a[ia + i * sa], b[ib + i * sb]);
      break;
  }
}

export const compare: KernelImpl<'Compare'> = ([x, y], { op }) => {
  const shape = broadcastShapes(op, x.shape, y.shape);
  const a = valuesOf(x);
  const b = valuesOf(y);
  const out = allocateOverwritten('bool', sizeOf(shape)) as Uint8Array;
  const loops = simdLoopsWithBytes([a, b], [out]);
  const walk = new StridedRows(shape, [
    broadcastStrides(x.shape, shape),
    broadcastStrides(y.shape, shape),
  ]);
  const [sa, sb] = walk.innerStrides;
  const offsets = walk.offsets;
  for (let row = 0, at = 0; row < walk.rows; row++, at += walk.length) {
    const [ia, ib] = offsets;
    if (!loops || !simdCompareRow(loops, op, a, ia, sa, b, ib, sb, out, at, walk.length)) {
      compareRow(op, a, ia, sa, b, ib, sb, out, at, walk.length);
    }
    walk.next();
  }
  return output(out, shape, 'bool');
};

/** out[at + i] = a[ia + i * sa] (op) b[ib + i * sb] ? 1 : 0 for i < n. */
function compareRow(
  op: CompareOp,
  a: TypedArray,
  ia: number,
  sa: number,
  b: TypedArray,
  ib: number,
  sb: number,
  out: Uint8Array,
  at: number,
  n: number,
): void {
  switch (op) {
    case 'eq':
      for (let i = 0; i < n; i++) out[at + i] = +(a[ia + i * sa] === b[ib + i * sb]);
      break;
    case 'ne':
      for (let i = 0; i < n; i++) out[at + i] = +(a[ia + i * sa] !== b[ib + i * sb]);
      break;
    case 'lt':
      for (let i = 0; i < n; i++) out[at + i] = +(a[ia + i * sa] < b[ib + i * sb]);
      break;
    case 'le':
      for (let i = 0; i < n; i++) out[at + i] = +(a[ia + i * sa] <= b[ib + i * sb]);
      break;
    case 'gt':
      for (let i = 0; i < n; i++) out[at + i] = +(a[ia + i * sa] > b[ib + i * sb]);
      break;
    case 'ge':
      for (let i = 0; i < n; i++) out[at + i] = +(a[ia + i * sa] >= b[ib + i * sb]);
      break;
  }
}

export const where: KernelImpl<'Where'> = ([condition, x, y]) => {
  const shape = broadcastShapes('where', condition.shape, x.shape, y.shape);
  const c = valuesOf(condition);
  const a = valuesOf(x);
  const b = valuesOf(y);
  const out = allocateOverwritten(x.dtype, sizeOf(shape));
  const walk = new StridedRows(shape, [
    broadcastStrides(condition.shape, shape),
    broadcastStrides(x.shape, shape),
    broadcastStrides(y.shape, shape),
  ]);
  const [sc, sa, sb] = walk.innerStrides;
  const offsets = walk.offsets;
  const length = walk.length;
  const words = wordsPerElement(x.dtype);
  const [wa, wb, wo] = words > 0 ? [wordsOf(a), wordsOf(b), wordsOf(out)] : [];
  const loops = simdLoopsWithBytes([a, b, out], [c]);
  for (let row = 0, at = 0; row < walk.rows; row++, at += length) {
    const [ic, ia, ib] = offsets;
    const simd =
      loops !== null &&
      simdWhereRow(loops, c as Uint8Array, ic, sc, a, ia, sa, b, ib, sb, out, at, length);
    if (!simd && wa && wb && wo) {
      selectRow(words, c, ic, sc, wa, ia, sa, wb, ib, sb, wo, at, length);
    } else if (!simd) {
      for (let i = 0; i < length; i++) {
        out[at + i] = c[ic + i * sc] ? a[ia + i * sa] : b[ib + i * sb];
      }
    }
    walk.next();
  }
  return output(out, shape, x.dtype);
};

export const cast: KernelImpl<'Cast'> = ([x], { dtype }) => {
  const a = valuesOf(x);
  const out = allocateOverwritten(dtype, a.length);
  if (dtype === 'bool') {
    // Any non-zero value, NaN included, is true, as in PyTorch.
    for (let i = 0; i < a.length; i++) out[i] = a[i] !== 0 ? 1 : 0;
  } else {
    // Typed-array stores round to float32 or truncate toward zero for int32.
    for (let i = 0; i < a.length; i++) out[i] = a[i];
  }
  return output(out, x.shape, dtype);
};

export const fill: KernelImpl<'Fill'> = (_, { shape, dtype, value }) => {
  const out = allocate(dtype, sizeOf(shape));
  // A fresh array contains +0. Object.is separates -0 from +0, so full(shape, -0) keeps its sign.
  if (Object.is(value, 0)) return output(out, shape, dtype);
  if (dtype === 'bool') out.fill(value ? 1 : 0);
  else out.fill(value);
  return output(out, shape, dtype);
};
