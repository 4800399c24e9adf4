import '../src/register.js';
import {
  type Conv2DAttrs,
  type DType,
  Generator,
  randn,
  runKernel,
  type Tensor,
  type TypedArray,
  tensor,
} from '@metagrad/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCpuOptions, setCpuOptions } from '../src/index.js';
import { activeWasmElementwise } from '../src/options.js';
import { tensorHeap } from '../src/pool.js';

// The blocked matmul and the im2col convolutions checked against plain loops written here, on
// the WebAssembly SIMD path and on the plain JavaScript path.

const generator = new Generator(7);

/**
 * op(a) @ op(b) summed over p = 0..k-1 in order, the order the kernel promises: in float64 for
 * float64, and in float32 for float32, rounding each product and each sum.
 */
function referenceMatmul(
  dtype: DType,
  a: TypedArray,
  b: TypedArray,
  m: number,
  k: number,
  n: number,
  transposeA: boolean,
  transposeB: boolean,
): number[] {
  const round = dtype === 'float32' ? Math.fround : (value: number) => value;
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) {
        const av = transposeA ? a[p * m + i] : a[i * k + p];
        const bv = transposeB ? b[j * k + p] : b[p * n + j];
        acc = round(acc + round(av * bv));
      }
      out.push(acc);
    }
  }
  return out;
}

function matmulSuite(): void {
  // Sizes around and past the register tiles (4 x 4 for float64, 4 x 8 for float32), the
  // packed depth (256 for float64, 512 for float32), the packed rows (128) and the packed
  // columns (1024). Float32 products of up to 2^16 multiply-adds run unpacked on 4 x 4 tiles,
  // whose last tile overlaps the one before it when m or n is not a multiple of 4.
  const sizes: [number, number, number][] = [
    [1, 1, 1],
    [2, 7, 3],
    [3, 5, 7],
    [10, 40, 41],
    [17, 9, 5],
    [6, 5, 1],
    [9, 4, 3],
    [4, 4, 4],
    [5, 9, 17],
    [9, 257, 6],
    [7, 1030, 13],
    [130, 300, 33],
    [5, 20, 1030],
  ];
  for (const dtype of ['float32', 'float64'] as const) {
    for (const [m, k, n] of sizes) {
      for (const transposeA of [false, true]) {
        for (const transposeB of [false, true]) {
          it(`${dtype} m=${m} k=${k} n=${n} transposeA=${transposeA} transposeB=${transposeB}`, () => {
            const a = randn(transposeA ? [k, m] : [m, k], { generator, dtype });
            const b = randn(transposeB ? [n, k] : [k, n], { generator, dtype });
            const out = runKernel('MatMul', [a, b], { transposeA, transposeB });
            const want = referenceMatmul(
              dtype,
              a.dataSync(),
              b.dataSync(),
              m,
              k,
              n,
              transposeA,
              transposeB,
            );
            expect(out.shape).toEqual([m, n]);
            expect(Array.from(out.dataSync())).toEqual(want);
          });
        }
      }
    }
  }

  it('should broadcast batch dimensions', () => {
    const a = randn([2, 1, 3, 5], { generator, dtype: 'float64' });
    const b = randn([4, 5, 2], { generator, dtype: 'float64' });
    const out = runKernel('MatMul', [a, b], { transposeA: false, transposeB: false });
    expect(out.shape).toEqual([2, 4, 3, 2]);
    const av = a.dataSync();
    const bv = b.dataSync();
    const got = out.dataSync();
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 4; j++) {
        const want = referenceMatmul(
          'float64',
          av.subarray(i * 15),
          bv.subarray(j * 10),
          3,
          5,
          2,
          false,
          false,
        );
        expect(Array.from(got.subarray((i * 4 + j) * 6, (i * 4 + j + 1) * 6))).toEqual(want);
      }
    }
  });

  it('should give NaN for 0 times infinity, as PyTorch does', () => {
    const a = tensor(new Float64Array([0, 1]), { shape: [1, 2], dtype: 'float64' });
    const b = tensor(new Float64Array([Number.POSITIVE_INFINITY, 1]), {
      shape: [2, 1],
      dtype: 'float64',
    });
    const out = runKernel('MatMul', [a, b], { transposeA: false, transposeB: false });
    expect(Number.isNaN(out.dataSync()[0])).toBe(true);
  });
}

interface ConvCase {
  input: [number, number, number, number];
  filter: [number, number, number, number];
  attrs: Conv2DAttrs;
}

/**
 * The convolution as a sum over every (output pixel, filter tap) pair that reads a real input
 * pixel: y[b][o][oy][ox] += x[b][c][iy][ix] * w[o][c - group start][ky][kx]. Calls `visit`
 * with the flat offsets into x, w and y, so one loop defines all three kernels.
 */
function forEachConvTerm(
  { input, filter, attrs }: ConvCase,
  visit: (xAt: number, wAt: number, yAt: number) => void,
): [number, number] {
  const [n, c, h, w] = input;
  const [o, cPerGroup, kh, kw] = filter;
  const [top, bottom, left, right] = attrs.padding;
  const outH =
    Math.floor((h + top + bottom - attrs.dilation[0] * (kh - 1) - 1) / attrs.stride[0]) + 1;
  const outW =
    Math.floor((w + left + right - attrs.dilation[1] * (kw - 1) - 1) / attrs.stride[1]) + 1;
  const oPerGroup = o / attrs.groups;
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < o; oc++) {
      const group = Math.floor(oc / oPerGroup);
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          for (let ci = 0; ci < cPerGroup; ci++) {
            for (let ky = 0; ky < kh; ky++) {
              for (let kx = 0; kx < kw; kx++) {
                const iy = oy * attrs.stride[0] - top + ky * attrs.dilation[0];
                const ix = ox * attrs.stride[1] - left + kx * attrs.dilation[1];
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                const xAt = ((b * c + group * cPerGroup + ci) * h + iy) * w + ix;
                const wAt = ((oc * cPerGroup + ci) * kh + ky) * kw + kx;
                const yAt = ((b * o + oc) * outH + oy) * outW + ox;
                visit(xAt, wAt, yAt);
              }
            }
          }
        }
      }
    }
  }
  return [outH, outW];
}

function expectClose(got: TypedArray, want: Float64Array, relative: number): void {
  expect(got.length).toBe(want.length);
  let error = 0;
  let norm = 0;
  for (let i = 0; i < want.length; i++) {
    error += (got[i] - want[i]) ** 2;
    norm += want[i] ** 2;
  }
  expect(Math.sqrt(error)).toBeLessThanOrEqual(relative * Math.sqrt(norm));
}

function convSuite(): void {
  const cases: [string, ConvCase][] = [
    [
      'x=[2,3,5,5] w=[4,3,3,3] pad=1',
      {
        input: [2, 3, 5, 5],
        filter: [4, 3, 3, 3],
        attrs: { stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1], groups: 1 },
      },
    ],
    [
      'x=[2,3,7,6] w=[4,3,3,3] stride=2 pad=1',
      {
        input: [2, 3, 7, 6],
        filter: [4, 3, 3, 3],
        attrs: { stride: [2, 2], padding: [1, 1, 1, 1], dilation: [1, 1], groups: 1 },
      },
    ],
    [
      'x=[1,4,9,8] w=[6,2,3,2] stride=[2,1] pad=[0,2,1,0] dilation=[2,1] groups=2',
      {
        input: [1, 4, 9, 8],
        filter: [6, 2, 3, 2],
        attrs: { stride: [2, 1], padding: [0, 2, 1, 0], dilation: [2, 1], groups: 2 },
      },
    ],
    [
      'x=[3,6,6,6] w=[6,2,1,1] groups=3',
      {
        input: [3, 6, 6, 6],
        filter: [6, 2, 1, 1],
        attrs: { stride: [1, 1], padding: [0, 0, 0, 0], dilation: [1, 1], groups: 3 },
      },
    ],
    [
      'x=[1,2,3,3] w=[2,2,3,3] stride=3 pad=4 dilation=2',
      {
        input: [1, 2, 3, 3],
        filter: [2, 2, 3, 3],
        attrs: { stride: [3, 3], padding: [4, 4, 4, 4], dilation: [2, 2], groups: 1 },
      },
    ],
    [
      'x=[2,3,7,9] w=[4,3,3,3] pad=2 dilation=2 (rows copied as spans)',
      {
        input: [2, 3, 7, 9],
        filter: [4, 3, 3, 3],
        attrs: { stride: [1, 1], padding: [2, 2, 2, 2], dilation: [2, 2], groups: 1 },
      },
    ],
    [
      'x=[1,2,6,5] w=[3,2,2,3] pad=[0,1,1,1] (rows copied as spans)',
      {
        input: [1, 2, 6, 5],
        filter: [3, 2, 2, 3],
        attrs: { stride: [1, 1], padding: [0, 1, 1, 1], dilation: [1, 1], groups: 1 },
      },
    ],
    [
      'x=[1,1,2,2] w=[1,1,5,5] pad=2 (taps that miss the image)',
      {
        input: [1, 1, 2, 2],
        filter: [1, 1, 5, 5],
        attrs: { stride: [1, 1], padding: [2, 2, 2, 2], dilation: [1, 1], groups: 1 },
      },
    ],
    [
      'x=[2,40,6,6] w=[8,40,3,3] pad=1 (depth past one packed block)',
      {
        input: [2, 40, 6, 6],
        filter: [8, 40, 3, 3],
        attrs: { stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1], groups: 1 },
      },
    ],
    [
      'x=[3,8,90,90] w=[4,4,3,3] pad=1 groups=2 (several chunks per group)',
      {
        input: [3, 8, 90, 90],
        filter: [4, 4, 3, 3],
        attrs: { stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1], groups: 2 },
      },
    ],
    [
      'x=[3,16,100,100] w=[4,16,3,3] pad=1 (images in several chunks of columns)',
      {
        input: [3, 16, 100, 100],
        filter: [4, 16, 3, 3],
        attrs: { stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1], groups: 1 },
      },
    ],
  ];
  for (const [name, conv] of cases) {
    it(`float64 ${name}`, () => {
      const x = randn(conv.input, { generator, dtype: 'float64' });
      const w = randn(conv.filter, { generator, dtype: 'float64' });
      const y = runKernel('Conv2D', [x, w], conv.attrs);
      const dy = randn(y.shape, { generator, dtype: 'float64' });
      const [dx, dw] = convGradients(conv, x, w, dy);
      const xv = x.dataSync();
      const wv = w.dataSync();
      const dyv = dy.dataSync();
      const wantY = new Float64Array(y.size);
      const wantDx = new Float64Array(x.size);
      const wantDw = new Float64Array(w.size);
      const [outH, outW] = forEachConvTerm(conv, (xAt, wAt, yAt) => {
        wantY[yAt] += xv[xAt] * wv[wAt];
        wantDx[xAt] += dyv[yAt] * wv[wAt];
        wantDw[wAt] += dyv[yAt] * xv[xAt];
      });
      expect(y.shape).toEqual([conv.input[0], conv.filter[0], outH, outW]);
      expectClose(y.dataSync(), wantY, 1e-14);
      expectClose(dx.dataSync(), wantDx, 1e-14);
      expectClose(dw.dataSync(), wantDw, 1e-14);
    });
  }
  for (const [name, conv] of cases) {
    // Float32 sums differ from the float64 reference by rounding only. The longest sums here,
    // 30,000 terms per filter gradient element in the 100x100 case, measured a relative error
    // of 3e-6, so 1e-5 leaves room while still catching any wrong term.
    it(`float32 ${name}`, () => {
      const x = randn(conv.input, { generator, dtype: 'float32' });
      const w = randn(conv.filter, { generator, dtype: 'float32' });
      const y = runKernel('Conv2D', [x, w], conv.attrs);
      const dy = randn(y.shape, { generator, dtype: 'float32' });
      const [dx, dw] = convGradients(conv, x, w, dy);
      const [wantY, wantDx, wantDw] = referenceConv(conv, x, w, dy);
      expect(y.dtype).toBe('float32');
      expect(dx.dtype).toBe('float32');
      expect(dw.dtype).toBe('float32');
      expectClose(y.dataSync(), wantY, 1e-5);
      expectClose(dx.dataSync(), wantDx, 1e-5);
      expectClose(dw.dataSync(), wantDw, 1e-5);
    });
  }
}

/** Computes the input and filter gradients of a convolution for the output gradient `dy`. */
function convGradients(conv: ConvCase, x: Tensor, w: Tensor, dy: Tensor): [Tensor, Tensor] {
  const dx = runKernel('Conv2DBackpropInput', [dy, w], {
    ...conv.attrs,
    inputShape: [...conv.input],
  });
  const dw = runKernel('Conv2DBackpropFilter', [x, dy], {
    ...conv.attrs,
    filterShape: [...conv.filter],
  });
  return [dx, dw];
}

/** Computes the forward output and both gradients of a convolution in float64 by plain loops. */
function referenceConv(
  conv: ConvCase,
  x: Tensor,
  w: Tensor,
  dy: Tensor,
): [Float64Array, Float64Array, Float64Array] {
  const xv = x.dataSync();
  const wv = w.dataSync();
  const dyv = dy.dataSync();
  const wantY = new Float64Array(dy.size);
  const wantDx = new Float64Array(x.size);
  const wantDw = new Float64Array(w.size);
  forEachConvTerm(conv, (xAt, wAt, yAt) => {
    wantY[yAt] += xv[xAt] * wv[wAt];
    wantDx[xAt] += dyv[yAt] * wv[wAt];
    wantDw[wAt] += dyv[yAt] * xv[xAt];
  });
  return [wantY, wantDx, wantDw];
}

const simdAvailable = setCpuOptions({ simd: true }).simd;
const initialOptions = getCpuOptions();
afterAll(() => setCpuOptions(initialOptions));

describe.each([
  { path: 'simd', simd: true },
  { path: 'plain', simd: false },
])('$path kernels', ({ simd }) => {
  beforeAll(() => {
    setCpuOptions({ simd });
  });

  it('should run on the requested path', () => {
    expect(getCpuOptions().simd).toBe(simd && simdAvailable);
  });

  describe('blocked matmul', matmulSuite);
  describe('im2col convolutions', convSuite);
});

describe('float32 paths', () => {
  afterAll(() => setCpuOptions(initialOptions));

  /** Runs `fn` on the SIMD path and on the plain path, one thread each, and returns the bits. */
  function bothPaths(fn: () => Tensor[]): { simd: number[][]; plain: number[][] } {
    setCpuOptions({ simd: true, threads: 1 });
    const simd = fn().map((t) => Array.from(t.dataSync()));
    setCpuOptions({ simd: false, threads: 1 });
    const plain = fn().map((t) => Array.from(t.dataSync()));
    return { simd, plain };
  }

  it('matmul m=133 k=1100 n=1041 transposeA should agree bit for bit', () => {
    const a = randn([1100, 133], { generator, dtype: 'float32' });
    const b = randn([1100, 1041], { generator, dtype: 'float32' });
    const { simd, plain } = bothPaths(() => [
      runKernel('MatMul', [a, b], { transposeA: true, transposeB: false }),
    ]);
    expect(simd).toEqual(plain);
  });

  it('conv2d x=[3,20,9,11] w=[12,20,3,3] pad=1 should agree bit for bit', () => {
    const conv: ConvCase = {
      input: [3, 20, 9, 11],
      filter: [12, 20, 3, 3],
      attrs: { stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1], groups: 1 },
    };
    const x = randn(conv.input, { generator, dtype: 'float32' });
    const w = randn(conv.filter, { generator, dtype: 'float32' });
    const dy = randn([3, 12, 9, 11], { generator, dtype: 'float32' });
    const { simd, plain } = bothPaths(() => [
      runKernel('Conv2D', [x, w], conv.attrs),
      ...convGradients(conv, x, w, dy),
    ]);
    expect(simd).toEqual(plain);
  });
});

describe('simd availability', () => {
  it('Node 20 should provide WebAssembly SIMD', () => {
    expect(simdAvailable).toBe(true);
  });
});

describe('unpacked float32 products', () => {
  // The unpacked kernel writes whole 4 x 4 and 4 x 8 tiles, overlapping at the edges of C. It
  // must never write outside C: the output sits between two runs of canary values.
  const sizes: [number, number, number][] = [
    [6, 5, 1],
    [9, 4, 3],
    [5, 7, 2],
    [4, 3, 9],
    [10, 40, 41],
    [7, 2, 12],
  ];
  for (const [m, k, n] of sizes) {
    for (const transposeB of [false, true]) {
      it(`m=${m} k=${k} n=${n} transposeB=${transposeB} writes only inside C`, () => {
        const wasm = activeWasmElementwise();
        if (!wasm || !tensorHeap) throw new Error('expected the SIMD loops and the tensor heap');
        const a = tensorHeap.allocate('float32', m * k, true) as Float32Array;
        const b = tensorHeap.allocate('float32', k * n, true) as Float32Array;
        for (let i = 0; i < a.length; i++) a[i] = (i % 7) - 3;
        for (let i = 0; i < b.length; i++) b[i] = (i % 5) - 2;
        const size = m * n;
        const region = tensorHeap.allocate('float32', 3 * size, true) as Float32Array;
        region.fill(12345);
        const c = region.subarray(size, 2 * size);
        const [bRow, bCol] = transposeB ? [1, k] : [n, 1];
        wasm.smallProductF32(a.byteOffset, b.byteOffset, c.byteOffset, m, n, k, k, 1, bRow, bCol);
        expect(Array.from(region.subarray(0, size)).every((v) => v === 12345)).toBe(true);
        expect(Array.from(region.subarray(2 * size)).every((v) => v === 12345)).toBe(true);
        const want = referenceMatmul('float32', a, b, m, k, n, false, transposeB);
        expect(Array.from(c)).toEqual(want);
        for (const block of [a, b, region]) tensorHeap.free(block);
      });
    }
  }
});
