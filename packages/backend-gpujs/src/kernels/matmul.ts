import type { KernelImpl } from '@metagrad/core';
import { broadcastShapes } from '@metagrad/core';
import { broadcastCoords, mapKernel } from './map.js';
import { reduce } from './reduce.js';

/**
 * Inner dimensions above this run as a split-K product: one kernel writes partial dot
 * products over blocks of MATMUL_BLOCK terms and a tree reduction adds them. That keeps the
 * float32 rounding of long dot products small and gives skinny outputs more threads.
 */
const SPLIT_K_THRESHOLD = 1024;
const MATMUL_BLOCK = 256;

/** Batched op(a) @ op(b); each thread computes one output element (or one block of one). */
export const matMul: KernelImpl<'MatMul'> = ([x, y], { transposeA, transposeB }, backend) => {
  const ra = x.shape.length;
  const rb = y.shape.length;
  const m = transposeA ? x.shape[ra - 1] : x.shape[ra - 2];
  const k = transposeA ? x.shape[ra - 2] : x.shape[ra - 1];
  const n = transposeB ? y.shape[rb - 2] : y.shape[rb - 1];
  const batchShape = broadcastShapes('matmul', x.shape.slice(0, -2), y.shape.slice(0, -2));
  const shape = [...batchShape, m, n];
  if (k === 0) return mapKernel(backend, 'matmul', shape, x.dtype, () => '0');
  const split = k > SPLIT_K_THRESHOLD;
  const blocks = split ? Math.ceil(k / MATMUL_BLOCK) : 1;
  const span = split ? MATMUL_BLOCK : k;
  const outShape = split ? [...shape, blocks] : shape;
  const product = mapKernel(backend, 'matmul', outShape, x.dtype, (src, coords) => {
    const batch = coords.slice(0, batchShape.length);
    const i = coords[batchShape.length];
    const j = coords[batchShape.length + 1];
    const a = src.input(x);
    const b = src.input(y);
    const aBatch = broadcastCoords(batch, x.shape.slice(0, -2));
    const bBatch = broadcastCoords(batch, y.shape.slice(0, -2));
    const acc = src.variable(0);
    src.loop(span, (t) => {
      const p = split ? src.variable(`${coords[batchShape.length + 2]} * ${span} + ${t}`) : t;
      const body = () => {
        const av = src.read(a, transposeA ? [...aBatch, p, i] : [...aBatch, i, p]);
        const bv = src.read(b, transposeB ? [...bBatch, j, p] : [...bBatch, p, j]);
        src.line(`${acc} = ${acc} + ${av} * ${bv};`);
      };
      if (split && k % span !== 0) src.branch(`${p} < ${k}`, body);
      else body();
    });
    return acc;
  });
  if (!split) return product;
  const out = reduce([product], { op: 'sum', axes: [shape.length] }, backend);
  backend.disposeData(product.dataId);
  return out;
};
