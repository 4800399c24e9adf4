import { activeWasmGemm, threadsEnabled } from '../options.js';
import {
  GEMM_BLOCKS,
  GEMM_BLOCKS_F32,
  type GemmHelper,
  MEMORY_LAYOUT,
  type WasmGemm,
  type WasmPackPanels,
} from '../wasm/gemm_runtime.js';
import type { MatrixView } from './gemm.js';

/**
 * Rows and columns of the float32 register tile: gemm.wat's `macroKernelF32` keeps a 4 x 8
 * block of C in eight f32x4 registers, so A is packed in panels of 4 rows and B in panels of 8
 * columns.
 */
const MR = 4;
const NR = 8;
const { mc: MC, kc: KC, nc: NC } = GEMM_BLOCKS_F32;

const fround = Math.fround;

/**
 * Products of at least this many multiply-adds split their rows with the helper thread. Twice
 * the float64 threshold, because a float32 multiply-add takes about half the time while the
 * hand-off to the helper costs the same. On a shared 2-core AMD EPYC, two threads were never
 * faster for 128^3 and 160^3 products, and faster only in quiet moments from 192^3 up.
 * NOTE: the crossover moves with the machine and its load, so this value is an estimate.
 */
const THREADED_WORK = 1 << 22;

/**
 * Products shallower than this stay on one thread whatever their size: with few multiply-adds
 * per element of C, copying C in and out of the blocks costs more than the helper saves. On a
 * 2-core AMD EPYC, a convolution with one input channel (depth 9) took 2.4 ms on one thread and
 * 4.0 ms on two.
 */
const THREADED_DEPTH = 32;

/** Blocks of at least this many elements are packed by both threads when there is a helper. */
const SHARED_PACKING = 1 << 16;

/** Packing buffers of one path, as in gemm.ts, with float32 elements. */
interface PackBuffers {
  a: Float32Array;
  b: Float32Array;
  c: Float32Array;
  stage: Float32Array;
}

const plainBuffers: PackBuffers = {
  a: new Float32Array(MC * KC),
  b: new Float32Array(KC * NC),
  c: new Float32Array(0),
  stage: new Float32Array(0),
};
let wasmBuffers: PackBuffers | null = null;

/**
 * Views of the WebAssembly memory for the float32 blocks. They reuse the regions of the
 * float64 blocks, which is safe because a product runs to the end before the next one starts.
 */
function wasmPackBuffers(wasm: WasmGemm): PackBuffers {
  if (wasmBuffers) return wasmBuffers;
  checkBlocksFitLayout();
  wasmBuffers = {
    a: new Float32Array(wasm.buffer, MEMORY_LAYOUT.a, 2 * MC * KC),
    b: new Float32Array(wasm.buffer, MEMORY_LAYOUT.b, KC * NC),
    c: new Float32Array(wasm.buffer, MEMORY_LAYOUT.c, 2 * MC * NC),
    stage: new Float32Array(wasm.buffer, MEMORY_LAYOUT.stage, KC * NC),
  };
  return wasmBuffers;
}

/** Throws when GEMM_BLOCKS_F32 outgrows the float64 regions of MEMORY_LAYOUT. */
function checkBlocksFitLayout(): void {
  const f64 = GEMM_BLOCKS;
  const fits =
    2 * MC * KC * 4 <= 2 * f64.mc * f64.kc * 8 &&
    KC * NC * 4 <= f64.kc * f64.nc * 8 &&
    2 * MC * NC * 4 <= 2 * f64.mc * f64.nc * 8;
  if (!fits) throw new Error('GEMM_BLOCKS_F32 does not fit the WebAssembly memory layout');
}

// The buffers of the path in use for the current product.
let packedA = plainBuffers.a;
let packedB = plainBuffers.b;
/** Scratch for a tile that crosses the edge of C. */
const edgeTile = new Float32Array(MR * NR);

/**
 * C = A B (or C += A B with `accumulate`) in float32, where A is m x k and B is k x n, and C is
 * a dense row-major float32 block `c[cOffset + i * n + j]`.
 *
 * Each element is summed in float32 over p = 0, 1, ..., k - 1 in order, starting from 0 (or
 * from the value in C): acc = fround(acc + fround(a * b)), without fused multiply-add. So the
 * result does not depend on the block sizes, the path (SIMD or plain) or the thread count.
 *
 * `overlap`, when given, runs once on this thread before the function returns: while the helper
 * thread computes a block where there is one, else at the end. It must not touch A, B or C.
 */
export function gemmF32(
  m: number,
  n: number,
  k: number,
  a: MatrixView,
  b: MatrixView,
  c: Float32Array,
  cOffset: number,
  accumulate: boolean,
  overlap?: () => void,
): void {
  const pending = productF32(m, n, k, a, b, c, cOffset, accumulate, overlap ?? null);
  pending?.();
}

/**
 * Computes the product of `gemmF32` and runs `overlap` on this thread during the first block
 * that the helper shares. Returns `overlap` when no block was shared, for the caller to run.
 */
function productF32(
  m: number,
  n: number,
  k: number,
  a: MatrixView,
  b: MatrixView,
  c: Float32Array,
  cOffset: number,
  accumulate: boolean,
  overlap: (() => void) | null,
): (() => void) | null {
  if (m === 0 || n === 0) return overlap;
  if (k === 0) {
    if (!accumulate) c.fill(0, cOffset, cOffset + m * n);
    return overlap;
  }
  let pending = overlap;
  const wasm = activeWasmGemm();
  const buffers = wasm ? wasmPackBuffers(wasm) : plainBuffers;
  packedA = buffers.a;
  packedB = buffers.b;
  const threaded = threadsEnabled() && m * n * k >= THREADED_WORK && k >= THREADED_DEPTH;
  const helper = wasm && threaded ? wasm.helper() : null;
  helper?.wake();
  // With a helper, each step packs two blocks of rows, whose panels the two threads share.
  const rowStep = helper ? 2 * MC : MC;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      const load = accumulate || pc > 0;
      const bStart = b.offset + pc * b.rowStride + jc * b.colStride;
      const bLines = { start: bStart, lineStride: b.colStride, depthStride: b.rowStride };
      pack(wasm, MEMORY_LAYOUT.b, packedB, NR, b.data, bLines, nc, kc, helper);
      for (let ic = 0; ic < m; ic += rowStep) {
        const mc = Math.min(rowStep, m - ic);
        const aStart = a.offset + ic * a.rowStride + pc * a.colStride;
        const aLines = { start: aStart, lineStride: a.rowStride, depthStride: a.colStride };
        pack(wasm, MEMORY_LAYOUT.a, packedA, MR, a.data, aLines, mc, kc);
        const at = cOffset + ic * n + jc;
        if (wasm) {
          const ran = wasmMacroKernel(wasm, helper, buffers.c, mc, nc, kc, c, at, n, load, pending);
          if (ran) pending = null;
        } else macroKernel(mc, nc, kc, c, at, n, load);
      }
    }
  }
  return pending;
}

/** Position of a block's lines in the source: first element and strides, in elements. */
interface LineLayout {
  start: number;
  lineStride: number;
  depthStride: number;
}

/**
 * Packs a block into panels of `width` lines at `dst` (in WebAssembly memory at byte offset
 * `dstOffset` on the SIMD path). A JavaScript loop took 2 to 6 ns per element on these strided
 * copies (2-core AMD EPYC, Node 20). So the SIMD path copies the block's contiguous runs into
 * the staging area with `TypedArray.set` and packs them there in WebAssembly, which made a
 * 256 x 256 product about 5% faster. A source with no unit stride is packed in JavaScript.
 */
function pack(
  wasm: WasmGemm | null,
  dstOffset: number,
  dst: Float32Array,
  width: number,
  src: MatrixView['data'],
  layout: LineLayout,
  lines: number,
  depth: number,
  helper: GemmHelper | null = null,
): void {
  const { start, lineStride, depthStride } = layout;
  if (!wasm || (lineStride !== 1 && depthStride !== 1)) {
    packPanels(dst, width, src, start, lineStride, depthStride, lines, depth);
    return;
  }
  const stage = (wasmBuffers as PackBuffers).stage;
  let args: Parameters<WasmPackPanels>;
  if (lineStride === 1) {
    // Depth steps are the runs: stage[p * lines + line].
    copyRuns(stage, src, start, depthStride, depth, lines);
    args = [MEMORY_LAYOUT.stage, dstOffset, 1, lines, lines, depth, width];
  } else {
    // Lines are the runs: stage[line * depth + p].
    copyRuns(stage, src, start, lineStride, lines, depth);
    args = [MEMORY_LAYOUT.stage, dstOffset, depth, 1, lines, depth, width];
  }
  if (helper && lines * depth >= SHARED_PACKING && lines > width) {
    helper.sharePacking(wasm.packPanelsF32, args);
  } else wasm.packPanelsF32(...args);
}

/** Copies `runs` runs of `length` elements, `stride` apart in `src`, densely into `dst`. */
function copyRuns(
  dst: Float32Array,
  src: MatrixView['data'],
  start: number,
  stride: number,
  runs: number,
  length: number,
): void {
  if (stride === length) {
    dst.set(src.subarray(start, start + runs * length));
    return;
  }
  for (let run = 0, from = start; run < runs; run++, from += stride) {
    dst.set(src.subarray(from, from + length), run * length);
  }
}

/**
 * Packs `lines` lines (rows of A or columns of B) of `depth` elements each into panels of
 * `width` lines, interleaved by depth: `dst[(panel * depth + p) * width + line % width]`.
 * Lines past the end are zero, and their results are dropped.
 */
function packPanels(
  dst: Float32Array,
  width: number,
  src: MatrixView['data'],
  start: number,
  lineStride: number,
  depthStride: number,
  lines: number,
  depth: number,
): void {
  const panels = Math.ceil(lines / width);
  for (let panel = 0; panel < panels; panel++) {
    const base = panel * depth * width;
    const first = start + panel * width * lineStride;
    const count = Math.min(width, lines - panel * width);
    if (count < width) {
      packPartialPanel(dst, base, width, src, first, lineStride, depthStride, count, depth);
    } else if (width === 8) {
      packPanel8(dst, base, src, first, lineStride, depthStride, depth);
    } else {
      packPanel4(dst, base, src, first, lineStride, depthStride, depth);
    }
  }
}

/**
 * Packs one full panel of eight lines, one depth step at a time, so the writes stay contiguous
 * whatever the strides of the source.
 */
function packPanel8(
  dst: Float32Array,
  to: number,
  src: MatrixView['data'],
  from: number,
  lineStride: number,
  depthStride: number,
  depth: number,
): void {
  const s1 = lineStride;
  const s2 = 2 * lineStride;
  const s3 = 3 * lineStride;
  const s4 = 4 * lineStride;
  const s5 = 5 * lineStride;
  const s6 = 6 * lineStride;
  const s7 = 7 * lineStride;
  for (let p = 0; p < depth; p++, from += depthStride, to += 8) {
    dst[to] = src[from];
    dst[to + 1] = src[from + s1];
    dst[to + 2] = src[from + s2];
    dst[to + 3] = src[from + s3];
    dst[to + 4] = src[from + s4];
    dst[to + 5] = src[from + s5];
    dst[to + 6] = src[from + s6];
    dst[to + 7] = src[from + s7];
  }
}

/** Packs one full panel of four lines, as `packPanel8` does for eight. */
function packPanel4(
  dst: Float32Array,
  to: number,
  src: MatrixView['data'],
  from: number,
  lineStride: number,
  depthStride: number,
  depth: number,
): void {
  const s1 = lineStride;
  const s2 = 2 * lineStride;
  const s3 = 3 * lineStride;
  for (let p = 0; p < depth; p++, from += depthStride, to += 4) {
    dst[to] = src[from];
    dst[to + 1] = src[from + s1];
    dst[to + 2] = src[from + s2];
    dst[to + 3] = src[from + s3];
  }
}

/** Packs the last panel, of `count` < `width` lines, with zeros in place of the missing lines. */
function packPartialPanel(
  dst: Float32Array,
  base: number,
  width: number,
  src: MatrixView['data'],
  first: number,
  lineStride: number,
  depthStride: number,
  count: number,
  depth: number,
): void {
  for (let line = 0; line < width; line++) {
    if (line >= count) {
      for (let p = 0; p < depth; p++) dst[base + p * width + line] = 0;
      continue;
    }
    let from = first + line * lineStride;
    for (let p = 0; p < depth; p++) {
      dst[base + p * width + line] = src[from];
      from += depthStride;
    }
  }
}

/**
 * The SIMD macro-kernel: copies the C block into WebAssembly memory (when it accumulates), runs
 * gemm.wat's `macroKernelF32` over the packed panels, and copies the mc x nc result back. With
 * a helper, the two threads claim row panels as they go, and this thread runs `overlap` first.
 * Returns whether it ran `overlap`.
 */
function wasmMacroKernel(
  wasm: WasmGemm,
  helper: GemmHelper | null,
  block: Float32Array,
  mc: number,
  nc: number,
  kc: number,
  c: Float32Array,
  cOffset: number,
  ldc: number,
  load: boolean,
  overlap: (() => void) | null,
): boolean {
  const rowPanels = Math.ceil(mc / MR);
  const colPanels = Math.ceil(nc / NR);
  const width = colPanels * NR;
  const loadBlock = () => {
    for (let i = 0; i < mc; i++) {
      const from = cOffset + i * ldc;
      block.set(c.subarray(from, from + nc), i * width);
    }
  };
  if (load) loadBlock();
  const { a, b, c: cBlock } = MEMORY_LAYOUT;
  const flag = load ? 1 : 0;
  const args: Parameters<typeof wasm.macroKernelF32> = [
    a,
    b,
    cBlock,
    rowPanels,
    colPanels,
    kc,
    flag,
  ];
  const shared = helper !== null && rowPanels > 1;
  if (shared && !helper.shareRowsF32(wasm.macroKernelF32, args, overlap)) {
    // The helper was lost with panels unfinished: start the block again on this thread.
    if (load) loadBlock();
    wasm.macroKernelF32(...args);
  } else if (!shared) {
    wasm.macroKernelF32(...args);
  }
  for (let i = 0; i < mc; i++) {
    const from = i * width;
    c.set(block.subarray(from, from + nc), cOffset + i * ldc);
  }
  return shared && overlap !== null;
}

/**
 * Runs the plain micro-kernel over every MR x NR tile of an mc x nc block of C, as two MR x 4
 * halves per tile. Each element is still one running sum over p in order, so the split does
 * not change the bits.
 */
function macroKernel(
  mc: number,
  nc: number,
  kc: number,
  c: Float32Array,
  cOffset: number,
  ldc: number,
  load: boolean,
): void {
  for (let j = 0; j < nc; j += NR) {
    const bBase = (j / NR) * kc * NR;
    for (let i = 0; i < mc; i += MR) {
      const rows = Math.min(MR, mc - i);
      const aBase = (i / MR) * kc * MR;
      const at = cOffset + i * ldc + j;
      for (let half = 0; half < NR; half += 4) {
        const cols = Math.min(4, nc - j - half);
        if (cols <= 0) break;
        microKernel(kc, aBase, bBase + half, c, at + half, ldc, rows, cols, load);
      }
    }
  }
}

/**
 * Computes an MR x 4 part of a tile as sixteen running sums in locals, rounded to float32 after
 * every product and every sum, then writes the `rows` x `cols` part inside the matrix to C.
 * `bAt` is the first of the four columns inside a packed panel of NR columns.
 */
function microKernel(
  kc: number,
  aBase: number,
  bAt: number,
  c: Float32Array,
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
  let bi = bAt;
  for (let p = 0; p < kc; p++) {
    const a0 = ap[ai];
    const a1 = ap[ai + 1];
    const a2 = ap[ai + 2];
    const a3 = ap[ai + 3];
    const b0 = bp[bi];
    const b1 = bp[bi + 1];
    const b2 = bp[bi + 2];
    const b3 = bp[bi + 3];
    // The product of two float32 values is exact in float64, and their sum rounds once.
    // Float64 has more than twice the precision of float32, so fround of either gives the
    // correctly rounded float32 result, the value f32x4.mul and f32x4.add compute.
    c00 = fround(c00 + fround(a0 * b0));
    c01 = fround(c01 + fround(a0 * b1));
    c02 = fround(c02 + fround(a0 * b2));
    c03 = fround(c03 + fround(a0 * b3));
    c10 = fround(c10 + fround(a1 * b0));
    c11 = fround(c11 + fround(a1 * b1));
    c12 = fround(c12 + fround(a1 * b2));
    c13 = fround(c13 + fround(a1 * b3));
    c20 = fround(c20 + fround(a2 * b0));
    c21 = fround(c21 + fround(a2 * b1));
    c22 = fround(c22 + fround(a2 * b2));
    c23 = fround(c23 + fround(a2 * b3));
    c30 = fround(c30 + fround(a3 * b0));
    c31 = fround(c31 + fround(a3 * b1));
    c32 = fround(c32 + fround(a3 * b2));
    c33 = fround(c33 + fround(a3 * b3));
    ai += MR;
    bi += NR;
  }

  if (rows === MR && cols === 4) {
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
  for (let r = 0; r < rows; r++) for (let q = 0; q < cols; q++) c[cAt + r * ldc + q] = t[r * 4 + q];
}

/** Reads the part of an MR x 4 tile of C inside the matrix into `edgeTile`, zero elsewhere. */
function readTile(c: Float32Array, cAt: number, ldc: number, rows: number, cols: number) {
  const t = edgeTile;
  t.fill(0);
  for (let r = 0; r < rows; r++) for (let q = 0; q < cols; q++) t[r * 4 + q] = c[cAt + r * ldc + q];
  return t;
}
