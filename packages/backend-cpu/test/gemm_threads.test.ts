import '../src/register.js';
import { type Conv2DAttrs, Generator, memory, randn, runKernel, type Tensor } from '@metagrad/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCpuOptions, setCpuOptions } from '../src/index.js';

// Large products split their rows with a helper thread. Every element is still computed by one
// thread with the same code, so the bits must not depend on the thread count.

const generator = new Generator(11);
const initialOptions = getCpuOptions();

function helperCalls(): number {
  return memory().backends.cpu.gemmHelperCalls;
}

function bits(t: Tensor): number[] {
  return Array.from(t.dataSync());
}

/** Runs `fn` with one thread and with two, and returns both results and the helper's calls. */
function bothThreadCounts(fn: () => Tensor[]): {
  oneThread: number[][];
  twoThreads: number[][];
  calls: number;
} {
  setCpuOptions({ simd: true, threads: 1 });
  const before = helperCalls();
  const oneThread = fn().map(bits);
  expect(helperCalls()).toBe(before);
  setCpuOptions({ simd: true, threads: 2 });
  const twoThreads = fn().map(bits);
  return { oneThread, twoThreads, calls: helperCalls() - before };
}

describe('gemm helper thread', () => {
  beforeAll(async () => {
    setCpuOptions({ simd: true, threads: 2 });
    // The worker starts on the first large product and is used once it reports ready, which
    // can take seconds on a loaded machine.
    const a = randn([256, 256], { generator });
    const deadline = Date.now() + 30_000;
    while (helperCalls() === 0 && Date.now() < deadline) {
      runKernel('MatMul', [a, a], { transposeA: false, transposeB: false });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }, 40_000);

  afterAll(() => {
    setCpuOptions(initialOptions);
  });

  it('should start', () => {
    expect(helperCalls()).toBeGreaterThan(0);
  });

  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype} matmul m=300 k=600 n=700 should match one thread bit for bit`, () => {
      const a = randn([300, 600], { generator, dtype });
      const b = randn([700, 600], { generator, dtype });
      const { oneThread, twoThreads, calls } = bothThreadCounts(() => [
        runKernel('MatMul', [a, b], { transposeA: false, transposeB: true }),
      ]);
      expect(calls).toBeGreaterThan(0);
      expect(twoThreads).toEqual(oneThread);
    });
  }

  it('float32 matmul m=261 k=1030 n=1031 transposeA should match one thread bit for bit', () => {
    const a = randn([1030, 261], { generator, dtype: 'float32' });
    const b = randn([1030, 1031], { generator, dtype: 'float32' });
    const { oneThread, twoThreads, calls } = bothThreadCounts(() => [
      runKernel('MatMul', [a, b], { transposeA: true, transposeB: false }),
    ]);
    expect(calls).toBeGreaterThan(0);
    expect(twoThreads).toEqual(oneThread);
  });

  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype} conv2d x=[4,32,20,20] w=[32,32,3,3] pad=1 should match one thread bit for bit`, () => {
      const attrs: Conv2DAttrs = {
        stride: [1, 1],
        padding: [1, 1, 1, 1],
        dilation: [1, 1],
        groups: 1,
      };
      const x = randn([4, 32, 20, 20], { generator, dtype });
      const w = randn([32, 32, 3, 3], { generator, dtype });
      const dy = randn([4, 32, 20, 20], { generator, dtype });
      const { oneThread, twoThreads, calls } = bothThreadCounts(() => [
        runKernel('Conv2D', [x, w], attrs),
        runKernel('Conv2DBackpropInput', [dy, w], { ...attrs, inputShape: [4, 32, 20, 20] }),
        runKernel('Conv2DBackpropFilter', [x, dy], { ...attrs, filterShape: [32, 32, 3, 3] }),
      ]);
      expect(calls).toBeGreaterThan(0);
      expect(twoThreads).toEqual(oneThread);
    });
  }

  it('should reject a thread count other than 1 or 2', () => {
    expect(() => setCpuOptions({ threads: 3 })).toThrow(
      /setCpuOptions: threads must be 1 or 2, got '3'/,
    );
  });
});
