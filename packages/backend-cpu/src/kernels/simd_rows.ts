import type { BinaryOp, CompareOp, TypedArray, UnaryOp } from '@metagrad/core';
import { activeWasmElementwise } from '../options.js';
import { type ElementwiseLoops, loopsFor } from '../wasm/elementwise_runtime.js';

/**
 * Returns the SIMD loops that apply when every array lies in the tensor heap with one float
 * dtype, else null, so that the caller runs its JavaScript loop.
 */
export function simdLoops(...arrays: TypedArray[]): ElementwiseLoops | null {
  return simdLoopsWithBytes(arrays, []);
}

/**
 * Returns the SIMD loops for float arrays `values` of one dtype and bool arrays `bytes`, when
 * all of them lie in the tensor heap, else null.
 */
export function simdLoopsWithBytes(
  values: readonly TypedArray[],
  bytes: readonly TypedArray[],
): ElementwiseLoops | null {
  const wasm = activeWasmElementwise();
  if (!wasm) return null;
  const loops = loopsFor(wasm, values[0]);
  if (!loops) return null;
  for (let k = 1; k < values.length; k++) {
    if (loopsFor(wasm, values[k]) !== loops) return null;
  }
  for (const array of bytes) {
    if (!(array instanceof Uint8Array) || array.buffer !== wasm.heap.buffer) return null;
  }
  return loops;
}

/**
 * Runs out[at + i] = a[ia + i * sa] (op) b[ib + i * sb] for i < n on the SIMD loops and
 * returns true, or returns false for an op or a layout that they do not cover.
 */
export function simdBinaryRow(
  loops: ElementwiseLoops,
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
): boolean {
  if (op !== 'add' && op !== 'sub' && op !== 'mul' && op !== 'div') return false;
  const size = a.BYTES_PER_ELEMENT;
  const aAt = a.byteOffset + ia * size;
  const bAt = b.byteOffset + ib * size;
  const outAt = out.byteOffset + at * size;
  if (sa === 1 && sb === 1) loops.binary[op](aAt, bAt, outAt, n);
  else if (sa === 1 && sb === 0) loops.scalarRight[op](aAt, b[ib], outAt, n);
  else if (sa === 0 && sb === 1) {
    // IEEE addition and multiplication commute exactly, so a scalar on the left of them is
    // the same loop as a scalar on the right.
    if (op === 'add' || op === 'mul') loops.scalarRight[op](bAt, a[ia], outAt, n);
    else loops.scalarLeft[op](a[ia], bAt, outAt, n);
  } else return false;
  return true;
}

/** Runs out = op(a) on the SIMD loops and returns true, or false for an op they do not cover. */
export function simdUnary(
  loops: ElementwiseLoops,
  op: UnaryOp,
  a: TypedArray,
  out: TypedArray,
): boolean {
  if (op === 'neg' || op === 'abs' || op === 'sqrt' || op === 'relu' || op === 'square') {
    loops.unary[op](a.byteOffset, out.byteOffset, a.length);
    return true;
  }
  if ((op === 'exp' || op === 'sigmoid' || op === 'tanh') && loops.transcendental) {
    loops.transcendental[op](a.byteOffset, out.byteOffset, a.length);
    return true;
  }
  return false;
}

/** The comparison with its operands swapped: a < b is b > a. */
const SWAPPED: Record<CompareOp, CompareOp> = {
  eq: 'eq',
  ne: 'ne',
  lt: 'gt',
  le: 'ge',
  gt: 'lt',
  ge: 'le',
};

/**
 * Runs out[at + i] = a[ia + i * sa] (op) b[ib + i * sb] into bool bytes on the SIMD loops and
 * returns true, or returns false for a layout that they do not cover.
 */
export function simdCompareRow(
  loops: ElementwiseLoops,
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
): boolean {
  const size = a.BYTES_PER_ELEMENT;
  const aAt = a.byteOffset + ia * size;
  const bAt = b.byteOffset + ib * size;
  const outAt = out.byteOffset + at;
  if (sa === 1 && sb === 1) loops.compare[op](aAt, bAt, outAt, n);
  else if (sa === 1 && sb === 0) loops.compareScalar[op](aAt, b[ib], outAt, n);
  else if (sa === 0 && sb === 1) loops.compareScalar[SWAPPED[op]](bAt, a[ia], outAt, n);
  else return false;
  return true;
}

/**
 * Runs out[at + i] = c[ic + i * sc] ? a[ia + i * sa] : b[ib + i * sb] on the SIMD loops and
 * returns true, or returns false for a layout that they do not cover.
 */
export function simdWhereRow(
  loops: ElementwiseLoops,
  c: Uint8Array,
  ic: number,
  sc: number,
  a: TypedArray,
  ia: number,
  sa: number,
  b: TypedArray,
  ib: number,
  sb: number,
  out: TypedArray,
  at: number,
  n: number,
): boolean {
  if (sc !== 1) return false;
  const size = a.BYTES_PER_ELEMENT;
  const cAt = c.byteOffset + ic;
  const aAt = a.byteOffset + ia * size;
  const bAt = b.byteOffset + ib * size;
  const outAt = out.byteOffset + at * size;
  if (sa === 1 && sb === 1) loops.where(cAt, aAt, bAt, outAt, n);
  else if (sa === 1 && sb === 0) loops.whereScalarB(cAt, aAt, b[ib], outAt, n);
  else if (sa === 0 && sb === 1) loops.whereScalarA(cAt, a[ia], bAt, outAt, n);
  else return false;
  return true;
}
