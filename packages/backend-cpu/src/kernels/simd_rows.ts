import type { BinaryOp, TypedArray, UnaryOp } from '@metagrad/core';
import { activeWasmElementwise } from '../options.js';
import { type ElementwiseLoops, loopsFor } from '../wasm/elementwise_runtime.js';

/**
 * Returns the SIMD loops that apply when every array lies in the tensor heap with one float
 * dtype, else null, so that the caller runs its JavaScript loop.
 */
export function simdLoops(...arrays: TypedArray[]): ElementwiseLoops | null {
  const wasm = activeWasmElementwise();
  if (!wasm) return null;
  const loops = loopsFor(wasm, arrays[0]);
  if (!loops) return null;
  for (let k = 1; k < arrays.length; k++) {
    if (loopsFor(wasm, arrays[k]) !== loops) return null;
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
  if (op !== 'neg' && op !== 'abs' && op !== 'sqrt' && op !== 'relu' && op !== 'square') {
    return false;
  }
  loops.unary[op](a.byteOffset, out.byteOffset, a.length);
  return true;
}
