import type { KernelImpl, TypedArray } from '@metagrad/core';
import { broadcastShapes, sizeOf } from '@metagrad/core';
import { allocate, output, valuesOf } from '../backend.js';
import { broadcastOffsets, sameShape } from './strides.js';

export const unary: KernelImpl<'Unary'> = ([x], { op }) => {
  const a = valuesOf(x);
  const out = allocate(x.dtype, a.length);
  const n = a.length;
  switch (op) {
    case 'neg':
      for (let i = 0; i < n; i++) out[i] = -a[i];
      break;
    case 'exp':
      for (let i = 0; i < n; i++) out[i] = Math.exp(a[i]);
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
      for (let i = 0; i < n; i++) out[i] = 1 / (1 + Math.exp(-a[i]));
      break;
    case 'tanh':
      for (let i = 0; i < n; i++) out[i] = Math.tanh(a[i]);
      break;
    case 'sin':
      for (let i = 0; i < n; i++) out[i] = Math.sin(a[i]);
      break;
    case 'cos':
      for (let i = 0; i < n; i++) out[i] = Math.cos(a[i]);
      break;
    case 'relu':
      // NaN stays NaN, as in PyTorch.
      for (let i = 0; i < n; i++) out[i] = a[i] > 0 || a[i] !== a[i] ? a[i] : 0;
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
  const out = allocate(x.dtype, sizeOf(shape));
  const n = out.length;
  if (sameShape(x.shape, y.shape)) {
    binarySameShape(op, a, b, out, n);
  } else {
    const ia = broadcastOffsets(x.shape, shape);
    const ib = broadcastOffsets(y.shape, shape);
    binaryBroadcast(op, a, b, ia, ib, out, n);
  }
  // A bool result is stored as 0 or 1: true + true is true, as in PyTorch, not 2.
  if (x.dtype === 'bool') for (let i = 0; i < n; i++) out[i] = out[i] !== 0 ? 1 : 0;
  return output(out, shape, x.dtype);
};

function binarySameShape(
  op: string,
  a: TypedArray,
  b: TypedArray,
  out: TypedArray,
  n: number,
): void {
  switch (op) {
    case 'add':
      for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
      break;
    case 'sub':
      for (let i = 0; i < n; i++) out[i] = a[i] - b[i];
      break;
    case 'mul':
      for (let i = 0; i < n; i++) out[i] = a[i] * b[i];
      break;
    case 'div':
      for (let i = 0; i < n; i++) out[i] = a[i] / b[i];
      break;
    case 'pow':
      for (let i = 0; i < n; i++) out[i] = a[i] ** b[i];
      break;
    case 'maximum':
      for (let i = 0; i < n; i++) out[i] = Math.max(a[i], b[i]);
      break;
    case 'minimum':
      for (let i = 0; i < n; i++) out[i] = Math.min(a[i], b[i]);
      break;
  }
}

function binaryBroadcast(
  op: string,
  a: TypedArray,
  b: TypedArray,
  ia: Int32Array,
  ib: Int32Array,
  out: TypedArray,
  n: number,
): void {
  switch (op) {
    case 'add':
      for (let i = 0; i < n; i++) out[i] = a[ia[i]] + b[ib[i]];
      break;
    case 'sub':
      for (let i = 0; i < n; i++) out[i] = a[ia[i]] - b[ib[i]];
      break;
    case 'mul':
      for (let i = 0; i < n; i++) out[i] = a[ia[i]] * b[ib[i]];
      break;
    case 'div':
      for (let i = 0; i < n; i++) out[i] = a[ia[i]] / b[ib[i]];
      break;
    case 'pow':
      for (let i = 0; i < n; i++) out[i] = a[ia[i]] ** b[ib[i]];
      break;
    case 'maximum':
      for (let i = 0; i < n; i++) out[i] = Math.max(a[ia[i]], b[ib[i]]);
      break;
    case 'minimum':
      for (let i = 0; i < n; i++) out[i] = Math.min(a[ia[i]], b[ib[i]]);
      break;
  }
}

export const compare: KernelImpl<'Compare'> = ([x, y], { op }) => {
  const shape = broadcastShapes(op, x.shape, y.shape);
  const a = valuesOf(x);
  const b = valuesOf(y);
  const out = new Uint8Array(sizeOf(shape));
  const ia = broadcastOffsets(x.shape, shape);
  const ib = broadcastOffsets(y.shape, shape);
  const n = out.length;
  switch (op) {
    case 'eq':
      for (let i = 0; i < n; i++) out[i] = a[ia[i]] === b[ib[i]] ? 1 : 0;
      break;
    case 'ne':
      for (let i = 0; i < n; i++) out[i] = a[ia[i]] !== b[ib[i]] ? 1 : 0;
      break;
    case 'lt':
      for (let i = 0; i < n; i++) out[i] = a[ia[i]] < b[ib[i]] ? 1 : 0;
      break;
    case 'le':
      for (let i = 0; i < n; i++) out[i] = a[ia[i]] <= b[ib[i]] ? 1 : 0;
      break;
    case 'gt':
      for (let i = 0; i < n; i++) out[i] = a[ia[i]] > b[ib[i]] ? 1 : 0;
      break;
    case 'ge':
      for (let i = 0; i < n; i++) out[i] = a[ia[i]] >= b[ib[i]] ? 1 : 0;
      break;
  }
  return output(out, shape, 'bool');
};

export const where: KernelImpl<'Where'> = ([condition, x, y]) => {
  const shape = broadcastShapes('where', condition.shape, x.shape, y.shape);
  const c = valuesOf(condition);
  const a = valuesOf(x);
  const b = valuesOf(y);
  const ic = broadcastOffsets(condition.shape, shape);
  const ia = broadcastOffsets(x.shape, shape);
  const ib = broadcastOffsets(y.shape, shape);
  const out = allocate(x.dtype, sizeOf(shape));
  for (let i = 0; i < out.length; i++) out[i] = c[ic[i]] ? a[ia[i]] : b[ib[i]];
  return output(out, shape, x.dtype);
};

export const cast: KernelImpl<'Cast'> = ([x], { dtype }) => {
  const a = valuesOf(x);
  const out = allocate(dtype, a.length);
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
  if (value !== 0) out.fill(dtype === 'bool' ? (value ? 1 : 0) : value);
  return output(out, shape, dtype);
};
