import type { CompareOp, TypedArray } from '@metagrad/core';
import { ELEMENTWISE_WASM_BASE64 } from './elementwise_wasm.js';
import type { TensorHeap } from './heap.js';
import { SMALL_GEMM_WASM_BASE64 } from './small_gemm_wasm.js';

/** A loop of elementwise.wat over two arrays: (a, b, out, n) in byte offsets and elements. */
type BinaryLoop = (a: number, b: number, out: number, n: number) => void;
/** A loop with a number operand: (a, value, out, n) or (value, b, out, n). */
type ScalarLoop = (first: number, second: number, out: number, n: number) => void;
/** A loop of the convolution: byte offsets, a row stride and 13 sizes of the geometry. */
type ConvLoop = (...args: number[]) => void;
/** A loop over one array: (a, out, n). */
type UnaryLoop = (a: number, out: number, n: number) => void;
/** A loop over a [rows, n] block with one value of b per row: (a, b, out, rows, n). */
type RowValuesLoop = (a: number, b: number, out: number, rows: number, n: number) => void;

/** The SIMD loops of one storage type. */
export interface ElementwiseLoops {
  /** out = a (op) b for add, sub, mul, div. */
  binary: Record<'add' | 'sub' | 'mul' | 'div', BinaryLoop>;
  /** out = a (op) value. */
  scalarRight: Record<'add' | 'sub' | 'mul' | 'div', ScalarLoop>;
  /** out = value (op) b, for the ops that do not commute. */
  scalarLeft: Record<'sub' | 'div', ScalarLoop>;
  unary: Record<'neg' | 'abs' | 'sqrt' | 'relu' | 'square', UnaryLoop>;
  /** Comparisons into bool bytes: (a, b, out, n). */
  compare: Record<CompareOp, BinaryLoop>;
  /** Comparisons with a number on the right: (a, value, out, n). */
  compareScalar: Record<CompareOp, ScalarLoop>;
  /** out = c ? a : b: (c, a, b, out, n), and the variants with a number for b or for a. */
  where: (c: number, a: number, b: number, out: number, n: number) => void;
  whereScalarB: (c: number, a: number, value: number, out: number, n: number) => void;
  whereScalarA: (c: number, value: number, b: number, out: number, n: number) => void;
  /** The sum of n elements in the order of reduce.ts's `sumRow`: (a, n). */
  sum: (a: number, n: number) => number;
  /** acc[i] += a[i] into a float64 array: (a, acc, n). */
  addRows: UnaryLoop;
  /** acc[r] += the sum of row r, as `sum` sums it, for `rows` rows of n: (a, acc, rows, n). */
  sumRows: (a: number, acc: number, rows: number, n: number) => void;
  /** out[r, i] = a[r, i] (op) b[r]. */
  rowValues: Record<'add' | 'sub' | 'mul' | 'div', RowValuesLoop>;
  /** out[r, i] = b[r] (op) a[r, i], for the ops that do not commute. */
  rowValuesLeft: Record<'sub' | 'div', RowValuesLoop>;
  /** out[r, i] = b[r], a broadcast of one value per row: (b, out, rows, n). */
  fillRowValues: (b: number, out: number, rows: number, n: number) => void;
  /** out[r, i] = a[r, i] (op) b[i], one row b repeated over the rows: (a, b, out, rows, n). */
  repeatedRow: Record<'add' | 'sub' | 'mul' | 'div', RowValuesLoop>;
  /** out[r, i] = b[i] (op) a[r, i], for the ops that do not commute. */
  repeatedRowLeft: Record<'sub' | 'div', RowValuesLoop>;
  /** acc[i] += a[r, i] for r < rows in order, into float64 sums: (a, acc, rows, n). */
  sumRepeatedRows: (a: number, acc: number, rows: number, n: number) => void;
  /**
   * im2col and its adjoint for one image, float32 storage only: (input, cols, ld, then the
   * geometry channels, h, w, kh, kw, outH, outW, sh, sw, dh, dw, top, left), offsets in bytes.
   */
  unfold: { im2col: ConvLoop; col2imAdd: ConvLoop } | null;
  /** exp, sigmoid and tanh by the method of float32_math.ts: float32 storage only. */
  transcendental: Record<'exp' | 'sigmoid' | 'tanh', UnaryLoop> | null;
}

/**
 * small_gemm.wat's product, C = A B in float32 read in place: byte offsets of A, B and C, then
 * m, n, k, and the row and column strides of A and of B in elements.
 */
export type SmallProductLoop = (
  a: number,
  b: number,
  c: number,
  m: number,
  n: number,
  k: number,
  aRow: number,
  aCol: number,
  bRow: number,
  bCol: number,
) => void;

/** The loops by dtype, for tensors stored in one tensor heap. */
export interface WasmElementwise {
  readonly heap: TensorHeap;
  readonly float32: ElementwiseLoops;
  readonly float64: ElementwiseLoops;
  /** Float32 products without packing, for small matrices. */
  readonly smallProductF32: SmallProductLoop;
}

interface WebAssemblyModuleApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/**
 * Instantiates elementwise.wat on the heap's memory. Returns null where WebAssembly or its SIMD
 * instructions are missing, so the JavaScript loops run instead.
 */
export function instantiateWasmElementwise(heap: TensorHeap | null): WasmElementwise | null {
  const api = (globalThis as { WebAssembly?: WebAssemblyModuleApi }).WebAssembly;
  if (!api || !heap) return null;
  try {
    const instantiate = (base64: string) => {
      const bytes = Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
      const instance = new api.Instance(new api.Module(bytes), { env: { memory: heap.memory } });
      return instance.exports as Record<string, (...args: number[]) => void>;
    };
    const exports = instantiate(ELEMENTWISE_WASM_BASE64);
    const products = instantiate(SMALL_GEMM_WASM_BASE64);
    const loops = (type: 'f32' | 'f64'): ElementwiseLoops => ({
      binary: {
        add: exports[`add_${type}`],
        sub: exports[`sub_${type}`],
        mul: exports[`mul_${type}`],
        div: exports[`div_${type}`],
      },
      scalarRight: {
        add: exports[`add_scalar_${type}`],
        sub: exports[`sub_scalar_${type}`],
        mul: exports[`mul_scalar_${type}`],
        div: exports[`div_scalar_${type}`],
      },
      scalarLeft: {
        sub: exports[`sub_from_scalar_${type}`],
        div: exports[`div_from_scalar_${type}`],
      },
      unary: {
        neg: exports[`neg_${type}`],
        abs: exports[`abs_${type}`],
        sqrt: exports[`sqrt_${type}`],
        relu: exports[`relu_${type}`],
        square: exports[`square_${type}`],
      },
      compare: comparisons((op) => exports[`${op}_${type}`]),
      compareScalar: comparisons((op) => exports[`${op}_scalar_${type}`]),
      where: exports[`where_${type}`],
      whereScalarB: exports[`where_scalar_b_${type}`],
      whereScalarA: exports[`where_scalar_a_${type}`],
      sum: exports[`sum_${type}`] as unknown as (a: number, n: number) => number,
      addRows: exports[`add_rows_${type}`],
      sumRows: exports[`sum_rows_${type}`],
      rowValues: {
        add: exports[`add_row_values_${type}`],
        sub: exports[`sub_row_values_${type}`],
        mul: exports[`mul_row_values_${type}`],
        div: exports[`div_row_values_${type}`],
      },
      fillRowValues: exports[`fill_row_values_${type}`],
      repeatedRow: {
        add: exports[`add_repeated_row_${type}`],
        sub: exports[`sub_repeated_row_${type}`],
        mul: exports[`mul_repeated_row_${type}`],
        div: exports[`div_repeated_row_${type}`],
      },
      repeatedRowLeft: {
        sub: exports[`sub_from_repeated_row_${type}`],
        div: exports[`div_from_repeated_row_${type}`],
      },
      sumRepeatedRows: exports[`sum_repeated_rows_${type}`],
      rowValuesLeft: {
        sub: exports[`sub_from_row_values_${type}`],
        div: exports[`div_from_row_values_${type}`],
      },
      unfold:
        type === 'f32' ? { im2col: exports.im2col_f32, col2imAdd: exports.col2im_add_f32 } : null,
      transcendental:
        type === 'f32'
          ? { exp: exports.exp_f32, sigmoid: exports.sigmoid_f32, tanh: exports.tanh_f32 }
          : null,
    });
    return {
      heap,
      float32: loops('f32'),
      float64: loops('f64'),
      smallProductF32: products.smallProductF32 as SmallProductLoop,
    };
  } catch {
    return null;
  }
}

const COMPARE_OPS: readonly CompareOp[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];

function comparisons<T>(pick: (op: CompareOp) => T): Record<CompareOp, T> {
  return Object.fromEntries(COMPARE_OPS.map((op) => [op, pick(op)])) as Record<CompareOp, T>;
}

/** Returns the loops for `values` when it is float32 or float64 storage in the heap, else null. */
export function loopsFor(wasm: WasmElementwise, values: TypedArray): ElementwiseLoops | null {
  if (values.buffer !== wasm.heap.buffer) return null;
  if (values instanceof Float32Array) return wasm.float32;
  if (values instanceof Float64Array) return wasm.float64;
  return null;
}
