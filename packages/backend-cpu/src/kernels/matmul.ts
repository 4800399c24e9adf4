import type { KernelImpl } from '@metagrad/core';
import { broadcastShapes, sizeOf } from '@metagrad/core';
import { allocate, output, valuesOf } from '../backend.js';
import { broadcastOffsets } from './strides.js';

/**
 * Batched op(a) @ op(b). The loop orders keep the innermost loop on contiguous memory for each
 * transpose combination: i-k-j when b is read by rows, a dot product over k when b is transposed.
 */
export const matMul: KernelImpl<'MatMul'> = ([x, y], { transposeA, transposeB }) => {
  const ra = x.shape.length;
  const rb = y.shape.length;
  const m = transposeA ? x.shape[ra - 1] : x.shape[ra - 2];
  const k = transposeA ? x.shape[ra - 2] : x.shape[ra - 1];
  const n = transposeB ? y.shape[rb - 2] : y.shape[rb - 1];
  const batchShape = broadcastShapes('matmul', x.shape.slice(0, -2), y.shape.slice(0, -2));
  const batchA = broadcastOffsets(x.shape.slice(0, -2), batchShape);
  const batchB = broadcastOffsets(y.shape.slice(0, -2), batchShape);
  const a = valuesOf(x);
  const b = valuesOf(y);
  const batches = sizeOf(batchShape);
  const out = allocate(x.dtype, batches * m * n);
  const row = new Float64Array(n);
  for (let batch = 0; batch < batches; batch++) {
    const offA = batchA[batch] * m * k;
    const offB = batchB[batch] * k * n;
    const offC = batch * m * n;
    for (let i = 0; i < m; i++) {
      if (transposeB) {
        for (let j = 0; j < n; j++) {
          let acc = 0;
          const bRow = offB + j * k;
          if (transposeA) for (let p = 0; p < k; p++) acc += a[offA + p * m + i] * b[bRow + p];
          else {
            const aRow = offA + i * k;
            for (let p = 0; p < k; p++) acc += a[aRow + p] * b[bRow + p];
          }
          out[offC + i * n + j] = acc;
        }
      } else {
        row.fill(0);
        for (let p = 0; p < k; p++) {
          // No shortcut for aip === 0: 0 * inf and 0 * NaN must give NaN, as in PyTorch.
          const aip = transposeA ? a[offA + p * m + i] : a[offA + i * k + p];
          const bRow = offB + p * n;
          for (let j = 0; j < n; j++) row[j] += aip * b[bRow + j];
        }
        out.set(row, offC + i * n);
      }
    }
  }
  return output(out, [...batchShape, m, n], x.dtype);
};
