import '../src/register.js';
import { Generator, memory, pad, randn, tensor, tidy } from '@metagrad/core';
import { describe, expect, it } from 'vitest';

// Disposed kernel outputs go back to a pool and are reused for later outputs of the same dtype
// and length. The pool must never hand out an array that anyone can still see.

const generator = new Generator(3);

function pooledBytes(): number {
  return memory().backends.cpu.pooledBytes;
}

describe('output pool', () => {
  it('should reuse a disposed output zero-filled', () => {
    const x = randn([1000], { generator, dtype: 'float64' });
    const y = x.mul(2);
    const before = pooledBytes();
    y.dispose();
    expect(pooledBytes()).toBe(before + 8000);
    // A zeros-like output that relies on zero-initialised storage: pad with value 0.
    const padded = pad(x.slice(0, 0, 998), [1, 1], 0);
    expect(pooledBytes()).toBe(before);
    const values = padded.dataSync();
    expect(values[0]).toBe(0);
    expect(values[999]).toBe(0);
    expect(values[1]).toBe(x.dataSync()[0]);
  });

  it('should fully rewrite a reused output', () => {
    const x = randn([4, 3, 5], { generator, dtype: 'float32' });
    const stale = x.mul(7);
    const before = pooledBytes();
    stale.dispose();
    // Each kernel below reuses the array that held `stale` and skips clearing it.
    const row = tensor([[[1], [2], [3]]], { dtype: 'float32' });
    const spread = row.expand([4, 3, 5]);
    expect(pooledBytes()).toBe(before);
    expect(Array.from(spread.dataSync())).toEqual(
      Array.from({ length: 60 }, (_, i) => (Math.floor(i / 5) % 3) + 1),
    );
    spread.dispose();
    const sum = x.add(row);
    const want = x.dataSync().map((v, i) => Math.fround(v + (Math.floor(i / 5) % 3) + 1));
    expect(Array.from(sum.dataSync())).toEqual(Array.from(want));
  });

  it('should never hand out an array passed to tensor()', () => {
    const data = new Float32Array([1, 2, 3, 4]);
    const t = tensor(data, { dtype: 'float32' });
    t.dispose();
    // Later outputs of the same length may reuse the storage of `t`, but never `data` itself,
    // which its owner can still read and write.
    for (const k of [1, 2, 3]) tensor([5, 6, 7, 8], { dtype: 'float32' }).mul(k);
    expect(Array.from(data)).toEqual([1, 2, 3, 4]);
  });

  it('should keep results of later steps independent of freed ones', () => {
    const x = randn([64], { generator, dtype: 'float32' });
    const first = tidy(() => x.mul(3).add(1).dataSync());
    const second = tidy(() => x.mul(3).add(1).dataSync());
    expect(Array.from(second)).toEqual(Array.from(first));
  });
});
