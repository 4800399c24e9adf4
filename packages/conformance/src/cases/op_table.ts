import type { Tensor } from '@metagrad/core';
import * as mg from '@metagrad/core';

type Attrs = Record<string, unknown>;

/** Calls one metagrad op on a fixture case's inputs and attributes. */
export type OpCall = (inputs: Tensor[], attrs: Attrs) => Tensor | Tensor[];

type Axis = number | number[] | null;

/** Optional numeric attributes arrive as JSON null; metagrad takes null or undefined. */
const num = (value: unknown): number | null => (value === null ? null : (value as number));

const reduction =
  (fn: (x: Tensor, axis: Axis, keepDim: boolean) => Tensor): OpCall =>
  ([x], a) =>
    fn(x, a.axis as Axis, a.keepDim as boolean);

/**
 * Every fixture op name of `fixtures/ops.json`, mapped to the metagrad call that it stands
 * for. The fixture's attributes already use metagrad's option names.
 */
export const OPS: Record<string, OpCall> = {
  neg: ([x]) => mg.neg(x),
  exp: ([x]) => mg.exp(x),
  log: ([x]) => mg.log(x),
  sqrt: ([x]) => mg.sqrt(x),
  abs: ([x]) => mg.abs(x),
  relu: ([x]) => mg.relu(x),
  sigmoid: ([x]) => mg.sigmoid(x),
  tanh: ([x]) => mg.tanh(x),
  square: ([x]) => mg.square(x),
  clamp: ([x], a) => mg.clamp(x, num(a.min), num(a.max)),

  add: ([x, y]) => mg.add(x, y),
  sub: ([x, y]) => mg.sub(x, y),
  mul: ([x, y]) => mg.mul(x, y),
  div: ([x, y]) => mg.div(x, y),
  maximum: ([x, y]) => mg.maximum(x, y),
  minimum: ([x, y]) => mg.minimum(x, y),
  pow: ([x, y]) => mg.pow(x, y),
  powScalar: ([x], a) => mg.pow(x, a.exponent as number),

  eq: ([x, y]) => mg.eq(x, y),
  ne: ([x, y]) => mg.ne(x, y),
  lt: ([x, y]) => mg.lt(x, y),
  le: ([x, y]) => mg.le(x, y),
  gt: ([x, y]) => mg.gt(x, y),
  ge: ([x, y]) => mg.ge(x, y),
  where: ([condition, x, y]) => mg.where(condition, x, y),

  sum: reduction(mg.sum),
  mean: reduction(mg.mean),
  max: reduction(mg.max),
  min: reduction(mg.min),
  logSumExp: reduction(mg.logSumExp),
  argmax: ([x], a) => mg.argmax(x, a.axis as number | null, a.keepDim as boolean),

  matmul: ([x, y]) => mg.matmul(x, y),

  reshape: ([x], a) => mg.reshape(x, a.shape as number[]),
  permute: ([x], a) => mg.permute(x, a.dims as number[]),
  transpose: ([x], a) => mg.transpose(x, a.dim0 as number, a.dim1 as number),
  expand: ([x], a) => mg.expand(x, a.shape as number[]),
  squeeze: ([x], a) => mg.squeeze(x, num(a.axis)),
  unsqueeze: ([x], a) => mg.unsqueeze(x, a.axis as number),
  slice: ([x], a) => mg.slice(x, a.axis as number, num(a.start), num(a.end), a.step as number),
  concat: (xs, a) => mg.concat(xs, a.axis as number),
  stack: (xs, a) => mg.stack(xs, a.axis as number),
  split: ([x], a) =>
    mg.split(x, (a.splitSize ?? a.sections) as number | number[], a.axis as number),
  gather: ([x, index], a) => mg.gather(x, a.axis as number, index),
  indexSelect: ([x, index], a) => mg.indexSelect(x, a.axis as number, index),
  pad: ([x], a) => mg.pad(x, a.pad as number[], a.value as number),

  softmax: ([x], a) => mg.softmax(x, a.axis as number),
  logSoftmax: ([x], a) => mg.logSoftmax(x, a.axis as number),
};
