import '../src/register.js';
import {
  type Conv2DAttrs,
  expand,
  Generator,
  randn,
  runKernel,
  type Tensor,
  where,
} from '@metagrad/core';
import { afterAll, describe, expect, it } from 'vitest';
import { getCpuOptions, setCpuOptions } from '../src/index.js';

// The element-wise SIMD loops of elementwise.wat and the JavaScript loops must give the same
// bits: each case runs on both paths and compares the raw words of the results.

const generator = new Generator(11);
const initialOptions = getCpuOptions();
const simdAvailable = setCpuOptions({ simd: true }).simd;
afterAll(() => setCpuOptions(initialOptions));

function wordsOf(t: Tensor): number[] {
  const values = t.dataSync();
  if (values instanceof Uint8Array) return Array.from(values);
  return Array.from(new Int32Array(values.buffer, values.byteOffset, values.byteLength >> 2));
}

/** Runs `fn` on the SIMD path and on the JavaScript path and returns the words of each. */
function bothPaths(fn: () => Tensor[]): { simd: number[][]; plain: number[][] } {
  setCpuOptions({ simd: true });
  const simd = fn().map(wordsOf);
  setCpuOptions({ simd: false });
  const plain = fn().map(wordsOf);
  return { simd, plain };
}

describe.each(['float32', 'float64'] as const)('%s element-wise SIMD loops', (dtype) => {
  // 7 * 5 * 13 elements: rows that are not a multiple of the vector width.
  const x = randn([7, 5, 13], { generator, dtype });
  const y = randn([7, 5, 13], { generator, dtype }).mul(3);
  const row = randn([1, 5, 13], { generator, dtype });
  const column = randn([7, 5, 1], { generator, dtype });
  // One value per middle index, as a channel vector [1, C, 1, 1] over [N, C, H, W].
  const channel = randn([5, 1], { generator, dtype });
  // One row per outer index repeated over the middle one, as a bias [B, 1, n] over [B, rows, n].
  const bias = randn([7, 1, 13], { generator, dtype });
  const scalar = randn([], { generator, dtype });

  it('runs on the SIMD path where available', () => {
    setCpuOptions({ simd: true });
    expect(getCpuOptions().simd).toBe(simdAvailable);
  });

  it('arithmetic in every layout', () => {
    const { simd, plain } = bothPaths(() =>
      [y, row, column, channel, bias, scalar].flatMap((other) => [
        x.add(other),
        x.sub(other),
        x.mul(other),
        x.div(other),
        other.sub(x),
        other.div(x),
      ]),
    );
    expect(simd).toEqual(plain);
  });

  it('unary ops with signed zeros and NaN', () => {
    const special = x.mul(x.gt(0)).sub(x.mul(0)).div(x.abs().gt(1.5));
    const { simd, plain } = bothPaths(() =>
      [x, special].flatMap((t) => [t.neg(), t.abs(), t.abs().sqrt(), t.relu(), t.square()]),
    );
    expect(simd).toEqual(plain);
  });

  it('exp, sigmoid and tanh', () => {
    // Large and tiny magnitudes: overflow, underflow, the clamps and tanh near 0.
    const wide = x.mul(40);
    const tiny = x.mul(1e-6);
    const { simd, plain } = bothPaths(() =>
      [x, wide, tiny].flatMap((t) => [t.exp(), t.sigmoid(), t.tanh()]),
    );
    expect(simd).toEqual(plain);
  });

  it('comparisons and where', () => {
    // Infinities and NaN (0 / 0) where |x| <= 1.5.
    const special = x.div(x.abs().gt(1.5)).mul(x.gt(-0.5));
    const { simd, plain } = bothPaths(() => [
      special.lt(y),
      special.le(0),
      special.eq(special),
      special.ne(special),
      special.ge(x),
      special.gt(special),
      where(special.ne(special), x, special),
      x.lt(y),
      x.le(column),
      x.gt(0),
      x.ge(row),
      x.eq(x.relu()),
      x.ne(0),
      where(x.gt(0), x, y),
      where(x.gt(0), x, scalar),
      where(x.gt(0), scalar, y),
      where(x.gt(column), row, column),
    ]);
    expect(simd).toEqual(plain);
  });

  it('broadcasts of every operand', () => {
    const { simd, plain } = bothPaths(() =>
      [row, column, channel, bias, scalar].map((t) => expand(t, [7, 5, 13])),
    );
    expect(simd).toEqual(plain);
  });

  it('sums over every axis pattern', () => {
    const { simd, plain } = bothPaths(() => [
      x.sum(),
      x.sum(0),
      x.sum(1),
      x.sum(2),
      x.sum([0, 2]),
      x.sum([1, 2]),
      x.sum([0, 1]),
    ]);
    expect(simd).toEqual(plain);
  });
});

describe('float32 im2col and col2im SIMD loops', () => {
  // Strided, padded, dilated and grouped: every branch of the unfolding.
  const cases = [
    { input: [3, 4, 9, 8], filter: [6, 4, 3, 3], stride: [2, 2], padding: [1, 1, 1, 1] },
    { input: [2, 4, 9, 8], filter: [6, 2, 3, 2], stride: [2, 1], padding: [0, 2, 1, 0] },
    // Padding wider than the image, so that some taps fall in the padding for every output
    // column, with dilation along the width and a stride of 3.
    {
      input: [2, 3, 4, 3],
      filter: [2, 3, 2, 3],
      stride: [1, 3],
      padding: [3, 3, 4, 4],
      dilation: [1, 3],
    },
  ];
  it.each(cases)('conv $input $filter stride $stride', (geometry) => {
    const { input, filter, stride, padding } = geometry;
    const groups = input[1] / filter[1];
    const dilation = geometry.dilation ?? (groups === 1 ? [1, 1] : [2, 1]);
    const attrs = { stride, padding, dilation, groups } as Conv2DAttrs;
    const x = randn(input, { generator, dtype: 'float32' });
    const w = randn(filter, { generator, dtype: 'float32' });
    const y = runKernel('Conv2D', [x, w], attrs);
    const dy = randn(y.shape, { generator, dtype: 'float32' });
    const { simd, plain } = bothPaths(() => [
      runKernel('Conv2D', [x, w], attrs),
      runKernel('Conv2DBackpropInput', [dy, w], { ...attrs, inputShape: input }),
      runKernel('Conv2DBackpropFilter', [x, dy], { ...attrs, filterShape: filter }),
    ]);
    expect(simd).toEqual(plain);
  });
});
