import type { TypedArray } from '@metagrad/core';
import { activeWasmGemm, threadsEnabled } from '../options.js';
import {
  GEMM_BLOCKS,
  type GemmHelper,
  MEMORY_LAYOUT,
  type WasmGemm,
} from '../wasm/gemm_runtime.js';

/**
 * A strided matrix inside a typed array: element (i, j) is at
 * `data[offset + i * rowStride + j * colStride]`, so a transpose is a swap of the strides.
 */
export interface MatrixView {
  data: TypedArray;
  offset: number;
  rowStride: number;
  colStride: number;
}

/**
 * Rows and columns of the register tile: the micro-kernel keeps a 4x4 block of C in locals.
 * NOTE: packPanels packs A and B alike and relies on MR === NR, as gemm.wat does on both being 4.
 */
const MR = 4;
const NR = 4;
const { mc: MC, kc: KC, nc: NC } = GEMM_BLOCKS;

/**
 * Packing buffers of one path. Blocks never exceed (2 MC) x KC and KC x NC, so the buffers have
 * a fixed size and a product allocates nothing. The SIMD path packs straight into WebAssembly
 * memory, at the offsets of MEMORY_LAYOUT, next to the C block that its macro-kernel updates.
 */
interface PackBuffers {
  a: Float64Array;
  b: Float64Array;
  c: Float64Array;
}

const plainBuffers: PackBuffers = {
  a: new Float64Array(MC * KC),
  b: new Float64Array(KC * NC),
  c: new Float64Array(0),
};
let wasmBuffers: PackBuffers | null = null;

function wasmPackBuffers(wasm: WasmGemm): PackBuffers {
  wasmBuffers ??= {
    a: new Float64Array(wasm.buffer, MEMORY_LAYOUT.a, 2 * MC * KC),
    b: new Float64Array(wasm.buffer, MEMORY_LAYOUT.b, KC * NC),
    c: new Float64Array(wasm.buffer, MEMORY_LAYOUT.c, 2 * MC * NC),
  };
  return wasmBuffers;
}

/** Products of at least this many multiply-adds split their rows with the helper thread. */
const THREADED_WORK = 1 << 21;

// The buffers of the path in use for the current product.
let packedA = plainBuffers.a;
let packedB = plainBuffers.b;
/** Scratch for a tile that crosses the edge of C. */
const edgeTile = new Float64Array(MR * NR);

/**
 * C = A B (or C += A B with `accumulate`), where A is m x k and B is k x n, and C is a dense
 * row-major float64 block `c[cOffset + i * n + j]`.
 *
 * Each element is summed in float64 over p = 0, 1, ..., k - 1 in order, starting from 0 (or
 * from the value in C), exactly as the plain triple loop does: the blocking changes where the
 * partial sums live, never the order in which they are added. So the result does not depend
 * on the block sizes. Float32 products sum in float32 instead, through `gemmF32` (gemm_f32.ts).
 */
export function gemm(
  m: number,
  n: number,
  k: number,
  a: MatrixView,
  b: MatrixView,
  c: Float64Array,
  cOffset: number,
  accumulate: boolean,
): void {
  if (m === 0 || n === 0) return;
  if (k === 0) {
    if (!accumulate) c.fill(0, cOffset, cOffset + m * n);
    return;
  }
  const wasm = activeWasmGemm();
  const buffers = wasm ? wasmPackBuffers(wasm) : plainBuffers;
  packedA = buffers.a;
  packedB = buffers.b;
  const helper = wasm && threadsEnabled() && m * n * k >= THREADED_WORK ? wasm.helper() : null;
  // With a helper, each step packs two blocks of rows: one for each thread.
  const rowStep = helper ? 2 * MC : MC;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      const load = accumulate || pc > 0;
      packB(b, pc, kc, jc, nc);
      for (let ic = 0; ic < m; ic += rowStep) {
        const mc = Math.min(rowStep, m - ic);
        packA(a, ic, mc, pc, kc);
        const at = cOffset + ic * n + jc;
        if (wasm) wasmMacroKernel(wasm, helper, buffers.c, mc, nc, kc, c, at, n, load);
        else macroKernel(mc, nc, kc, c, at, n, load);
      }
    }
  }
}

/**
 * Copies rows [i0, i0 + mc) x columns [p0, p0 + kc) of A into row panels of MR rows:
 * `packedA[(panel * kc + p) * MR + r]`. Rows past the end are zero; their results are dropped.
 */
function packA(a: MatrixView, i0: number, mc: number, p0: number, kc: number): void {
  const start = a.offset + i0 * a.rowStride + p0 * a.colStride;
  packPanels(packedA, a.data, start, a.rowStride, a.colStride, mc, kc);
}

/**
 * Copies rows [p0, p0 + kc) x columns [j0, j0 + nc) of B into column panels of NR columns:
 * `packedB[(panel * kc + p) * NR + col]`, zero past the last column.
 */
function packB(b: MatrixView, p0: number, kc: number, j0: number, nc: number): void {
  const start = b.offset + p0 * b.rowStride + j0 * b.colStride;
  packPanels(packedB, b.data, start, b.colStride, b.rowStride, nc, kc);
}

/**
 * Packs `lines` lines (rows of A or columns of B) of `depth` elements each into panels of four
 * lines, interleaved by depth: `dst[(panel * depth + p) * 4 + line % 4]`. When the four lines
 * of a full panel are adjacent in memory, it copies four values at a time, so reads and writes
 * both stay contiguous. Other panels are copied line by line, and missing lines are zero.
 */
function packPanels(
  dst: Float64Array,
  src: TypedArray,
  start: number,
  lineStride: number,
  depthStride: number,
  lines: number,
  depth: number,
): void {
  const panels = Math.ceil(lines / MR);
  for (let panel = 0; panel < panels; panel++) {
    const base = panel * depth * MR;
    const first = start + panel * MR * lineStride;
    const count = Math.min(MR, lines - panel * MR);
    if (count === MR && lineStride === 1) {
      for (let p = 0, from = first, to = base; p < depth; p++, from += depthStride, to += MR) {
        dst[to] = src[from];
        dst[to + 1] = src[from + 1];
        dst[to + 2] = src[from + 2];
        dst[to + 3] = src[from + 3];
      }
      continue;
    }
    for (let line = 0; line < MR; line++) {
      if (line >= count) {
        for (let p = 0; p < depth; p++) dst[base + p * MR + line] = 0;
        continue;
      }
      let from = first + line * lineStride;
      for (let p = 0; p < depth; p++) {
        dst[base + p * MR + line] = src[from];
        from += depthStride;
      }
    }
  }
}

/**
 * The SIMD macro-kernel: copies the C block into WebAssembly memory (when it accumulates), runs
 * gemm.wat's `macroKernel` over the packed panels, split between this thread and the helper
 * when there is one, and copies the mc x nc result back.
 */
function wasmMacroKernel(
  wasm: WasmGemm,
  helper: GemmHelper | null,
  block: Float64Array,
  mc: number,
  nc: number,
  kc: number,
  c: Float64Array,
  cOffset: number,
  ldc: number,
  load: boolean,
): void {
  const rowPanels = Math.ceil(mc / MR);
  const colPanels = Math.ceil(nc / NR);
  const width = colPanels * NR;
  if (load) {
    for (let i = 0; i < mc; i++) {
      const from = cOffset + i * ldc;
      const to = i * width;
      for (let j = 0; j < nc; j++) block[to + j] = c[from + j];
    }
  }
  const { a, b, c: cBlock } = MEMORY_LAYOUT;
  const flag = load ? 1 : 0;
  if (helper && rowPanels > 1) {
    // The helper takes the first half of the row panels, this thread the rest.
    const split = Math.ceil(rowPanels / 2);
    helper.start([a, b, cBlock, split, colPanels, kc, flag]);
    const aRest = a + split * kc * MR * 8;
    const cRest = cBlock + split * MR * width * 8;
    wasm.macroKernel(aRest, b, cRest, rowPanels - split, colPanels, kc, flag);
    helper.finish();
  } else {
    wasm.macroKernel(a, b, cBlock, rowPanels, colPanels, kc, flag);
  }
  for (let i = 0; i < mc; i++) {
    const from = i * width;
    const to = cOffset + i * ldc;
    for (let j = 0; j < nc; j++) c[to + j] = block[from + j];
  }
}

/** Runs the micro-kernel over every MR x NR tile of an mc x nc block of C. */
function macroKernel(
  mc: number,
  nc: number,
  kc: number,
  c: Float64Array,
  cOffset: number,
  ldc: number,
  load: boolean,
): void {
  for (let j = 0; j < nc; j += NR) {
    const cols = Math.min(NR, nc - j);
    const bBase = (j / NR) * kc * NR;
    for (let i = 0; i < mc; i += MR) {
      const rows = Math.min(MR, mc - i);
      microKernel(kc, (i / MR) * kc * MR, bBase, c, cOffset + i * ldc + j, ldc, rows, cols, load);
    }
  }
}

/**
 * Computes one MR x NR tile as sixteen running sums in locals over the packed panels, then
 * writes the `rows` x `cols` part that lies inside the matrix to C.
 */
function microKernel(
  kc: number,
  aBase: number,
  bBase: number,
  c: Float64Array,
  cAt: number,
  ldc: number,
  rows: number,
  cols: number,
  load: boolean,
): void {
  const ap = packedA;
  const bp = packedB;
  let c00 = 0;
  let c01 = 0;
  let c02 = 0;
  let c03 = 0;
  let c10 = 0;
  let c11 = 0;
  let c12 = 0;
  let c13 = 0;
  let c20 = 0;
  let c21 = 0;
  let c22 = 0;
  let c23 = 0;
  let c30 = 0;
  let c31 = 0;
  let c32 = 0;
  let c33 = 0;
  if (load) {
    const t = readTile(c, cAt, ldc, rows, cols);
    c00 = t[0];
    c01 = t[1];
    c02 = t[2];
    c03 = t[3];
    c10 = t[4];
    c11 = t[5];
    c12 = t[6];
    c13 = t[7];
    c20 = t[8];
    c21 = t[9];
    c22 = t[10];
    c23 = t[11];
    c30 = t[12];
    c31 = t[13];
    c32 = t[14];
    c33 = t[15];
  }
  let ai = aBase;
  let bi = bBase;
  for (let p = 0; p < kc; p++) {
    const a0 = ap[ai];
    const a1 = ap[ai + 1];
    const a2 = ap[ai + 2];
    const a3 = ap[ai + 3];
    const b0 = bp[bi];
    const b1 = bp[bi + 1];
    const b2 = bp[bi + 2];
    const b3 = bp[bi + 3];
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    c20 += a2 * b0;
    c21 += a2 * b1;
    c22 += a2 * b2;
    c23 += a2 * b3;
    c30 += a3 * b0;
    c31 += a3 * b1;
    c32 += a3 * b2;
    c33 += a3 * b3;
    ai += MR;
    bi += NR;
  }
  if (rows === MR && cols === NR) {
    c[cAt] = c00;
    c[cAt + 1] = c01;
    c[cAt + 2] = c02;
    c[cAt + 3] = c03;
    c[cAt + ldc] = c10;
    c[cAt + ldc + 1] = c11;
    c[cAt + ldc + 2] = c12;
    c[cAt + ldc + 3] = c13;
    c[cAt + 2 * ldc] = c20;
    c[cAt + 2 * ldc + 1] = c21;
    c[cAt + 2 * ldc + 2] = c22;
    c[cAt + 2 * ldc + 3] = c23;
    c[cAt + 3 * ldc] = c30;
    c[cAt + 3 * ldc + 1] = c31;
    c[cAt + 3 * ldc + 2] = c32;
    c[cAt + 3 * ldc + 3] = c33;
    return;
  }
  const t = edgeTile;
  t[0] = c00;
  t[1] = c01;
  t[2] = c02;
  t[3] = c03;
  t[4] = c10;
  t[5] = c11;
  t[6] = c12;
  t[7] = c13;
  t[8] = c20;
  t[9] = c21;
  t[10] = c22;
  t[11] = c23;
  t[12] = c30;
  t[13] = c31;
  t[14] = c32;
  t[15] = c33;
  for (let r = 0; r < rows; r++)
    for (let q = 0; q < cols; q++) c[cAt + r * ldc + q] = t[r * NR + q];
}

/** Reads the part of a C tile inside the matrix into `edgeTile` (row-major), zero elsewhere. */
function readTile(c: Float64Array, cAt: number, ldc: number, rows: number, cols: number) {
  const t = edgeTile;
  t.fill(0);
  for (let r = 0; r < rows; r++)
    for (let q = 0; q < cols; q++) t[r * NR + q] = c[cAt + r * ldc + q];
  return t;
}
