import type { KernelImpl, TypedArray } from '@metagrad/core';
import { broadcastShapes, sizeOf } from '@metagrad/core';
import { allocate, output, valuesOf } from '../backend.js';
import { activeWasmElementwise } from '../options.js';
import type { SmallProductLoop } from '../wasm/elementwise_runtime.js';
import { gemm, type MatrixView } from './gemm.js';
import { gemmF32 } from './gemm_f32.js';
import { simdLoops } from './simd_rows.js';
import { broadcastOffsets } from './strides.js';

/** Float64 sums of one batch element of a non-float output, reused between calls. */
let sums = new Float64Array(0);

function scratch(size: number): Float64Array {
  if (sums.length < size) sums = new Float64Array(size);
  return sums;
}

/**
 * Batched op(a) @ op(b) through the blocked `gemm` (float64) or `gemmF32` (float32), one batch
 * element at a time. The transposes become strides of the matrix views, so no operand is copied
 * beyond the packing.
 */
export const matMul: KernelImpl<'MatMul'> = ([x, y], { transposeA, transposeB }) => {
  const ra = x.shape.length;
  const rb = y.shape.length;
  const m = transposeA ? x.shape[ra - 1] : x.shape[ra - 2];
  const k = transposeA ? x.shape[ra - 2] : x.shape[ra - 1];
  const n = transposeB ? y.shape[rb - 2] : y.shape[rb - 1];
  const batchShape = broadcastShapes('matmul', x.shape.slice(0, -2), y.shape.slice(0, -2));
  const batches = sizeOf(batchShape);
  const batchA = broadcastOffsets(x.shape.slice(0, -2), batchShape);
  const batchB = broadcastOffsets(y.shape.slice(0, -2), batchShape);
  const out = allocate(x.dtype, batches * m * n);
  // Float outputs take the sums directly, each summed in its own dtype. Any other dtype
  // (reachable only through runKernel) is rounded from a float64 block.
  const float32Out = out instanceof Float32Array;
  const direct = out instanceof Float64Array;
  const c = direct ? out : scratch(m * n);
  const a: MatrixView = {
    data: valuesOf(x),
    offset: 0,
    rowStride: transposeA ? 1 : k,
    colStride: transposeA ? m : 1,
  };
  const b: MatrixView = {
    data: valuesOf(y),
    offset: 0,
    rowStride: transposeB ? 1 : n,
    colStride: transposeB ? k : 1,
  };
  const small = m * n * k <= SMALL_PRODUCT || n === 1 || k === 1;
  const unpacked = float32Out && m * n * k <= UNPACKED_PRODUCT_F32 ? heapProduct(a, b, out) : null;
  for (let batch = 0; batch < batches; batch++) {
    a.offset = batchA[batch] * m * k;
    b.offset = batchB[batch] * k * n;
    if (unpacked) {
      // Byte offsets of float32 elements.
      unpacked(
        a.data.byteOffset + a.offset * 4,
        b.data.byteOffset + b.offset * 4,
        out.byteOffset + batch * m * n * 4,
        m,
        n,
        k,
        a.rowStride,
        a.colStride,
        b.rowStride,
        b.colStride,
      );
      continue;
    }
    if (small) {
      if (float32Out) smallProductF32(m, n, k, a, b, out, batch * m * n);
      else smallProduct(m, n, k, a, b, out, batch * m * n);
      continue;
    }
    if (float32Out) {
      gemmF32(m, n, k, a, b, out, batch * m * n, false);
      continue;
    }
    const cOffset = direct ? batch * m * n : 0;
    gemm(m, n, k, a, b, c, cOffset, false);
    if (!direct) for (let i = 0; i < m * n; i++) out[batch * m * n + i] = c[i];
  }
  return output(out, [...batchShape, m, n], x.dtype);
};

/** Below this many multiply-adds per matrix (or for a vector operand), packing costs more than it saves. */
const SMALL_PRODUCT = 1024;

/**
 * Float32 products of up to this many multiply-adds per matrix run on small_gemm.wat's loop,
 * which reads the operands in place, when all three arrays lie in the tensor heap.
 */
const UNPACKED_PRODUCT_F32 = 1 << 16;

/** Returns small_gemm.wat's product when A, B and C are float32 arrays in the tensor heap, else null. */
function heapProduct(a: MatrixView, b: MatrixView, c: TypedArray): SmallProductLoop | null {
  const wasm = activeWasmElementwise();
  const loops = simdLoops(a.data, b.data, c);
  return wasm && loops === wasm.float32 ? wasm.smallProductF32 : null;
}

/**
 * out[at + i * n + j] = sum over p of A[i, p] B[p, j], each sum in float64 in the order
 * p = 0, 1, ..., k - 1 as in `gemm`, without packing.
 */
function smallProduct(
  m: number,
  n: number,
  k: number,
  a: MatrixView,
  b: MatrixView,
  out: TypedArray,
  at: number,
): void {
  const av = a.data;
  const bv = b.data;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      let ia = a.offset + i * a.rowStride;
      let ib = b.offset + j * b.colStride;
      for (let p = 0; p < k; p++) {
        acc += av[ia] * bv[ib];
        ia += a.colStride;
        ib += b.rowStride;
      }
      out[at + i * n + j] = acc;
    }
  }
}

/** `smallProduct` summed in float32 as `gemmF32` sums, rounding each product and each sum. */
function smallProductF32(
  m: number,
  n: number,
  k: number,
  a: MatrixView,
  b: MatrixView,
  out: Float32Array,
  at: number,
): void {
  const av = a.data;
  const bv = b.data;
  const fround = Math.fround;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      let ia = a.offset + i * a.rowStride;
      let ib = b.offset + j * b.colStride;
      for (let p = 0; p < k; p++) {
        acc = fround(acc + fround(av[ia] * bv[ib]));
        ia += a.colStride;
        ib += b.rowStride;
      }
      out[at + i * n + j] = acc;
    }
  }
}
