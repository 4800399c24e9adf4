import {
  add,
  concat,
  exp,
  full,
  Generator,
  matmul,
  permute,
  randn,
  setBackend,
  sum,
  type Tensor,
} from '@metagrad/core';
import { describe, expect, it } from 'vitest';
import type { GpujsData } from '../src/storage.js';
import { ACCUMULATED, EXACT, FLOAT32, mismatches, type Tolerance } from './helpers/compare.js';
import { openTier, openTiers, tierTitle } from './helpers/tiers.js';

// A chunk limit of 64 elements makes small tensors take the path that tensors above one
// texture's limits (2^24 elements) take, so the GL tier can test it on fixed small shapes.
const tiers = openTiers({ maxChunkElements: 64, suffix: '-chunked' });

const chunkCount = (t: Tensor) => (t.dataId as GpujsData).chunks.length;

interface ChunkCase {
  name: string;
  run: (inputs: Tensor[]) => Tensor;
  shapes: number[][];
  tolerance: Tolerance;
}

const CASES: ChunkCase[] = [
  {
    name: 'add with broadcasting',
    shapes: [[10, 13], [13]],
    run: ([a, b]) => add(a, b),
    tolerance: EXACT,
  },
  { name: 'exp of [3, 50]', shapes: [[3, 50]], run: ([a]) => exp(a), tolerance: FLOAT32 },
  {
    name: 'matmul [12, 9] x [9, 11]',
    shapes: [
      [12, 9],
      [9, 11],
    ],
    run: ([a, b]) => matmul(a, b),
    tolerance: ACCUMULATED,
  },
  {
    name: 'matmul with rows longer than a chunk',
    shapes: [
      [2, 100],
      [100, 3],
    ],
    run: ([a, b]) => matmul(a, b),
    tolerance: ACCUMULATED,
  },
  {
    name: 'batched matmul',
    shapes: [
      [3, 5, 7],
      [3, 7, 6],
    ],
    run: ([a, b]) => matmul(a, b),
    tolerance: ACCUMULATED,
  },
  {
    name: 'reshape views across chunks',
    shapes: [[6, 20]],
    run: ([a]) => add(a.reshape([4, 30]), a.reshape([8, 15]).reshape([4, 30])),
    tolerance: EXACT,
  },
  {
    name: 'flat view of chunked storage',
    shapes: [[6, 20]],
    run: ([a]) => exp(a.reshape([120])),
    tolerance: FLOAT32,
  },
  {
    name: 'transpose of a view',
    shapes: [[6, 20]],
    run: ([a]) => permute(a.reshape([2, 3, 20]), [2, 0, 1]),
    tolerance: EXACT,
  },
  { name: 'sum over everything', shapes: [[30, 11]], run: ([a]) => sum(a), tolerance: ACCUMULATED },
  {
    name: 'sum over the chunked axis',
    shapes: [[30, 11]],
    run: ([a]) => sum(a, 0),
    tolerance: ACCUMULATED,
  },
  {
    name: 'concat of chunked inputs',
    shapes: [
      [5, 20],
      [7, 20],
      [4, 20],
    ],
    run: (xs) => concat(xs, 0),
    tolerance: EXACT,
  },
];

for (const tier of tiers) {
  describe.skipIf(!tier.backend)(`${tierTitle(tier)} with 64-element chunks`, () => {
    const name = tier.backend?.name ?? '';
    it.each(CASES.map((c) => [c.name, c] as const))('%s', (_, c) => {
      const gen = new Generator(3);
      const inputs = c.shapes.map((shape) => randn(shape, { backend: 'cpu', generator: gen }));
      const want = c.run(inputs);
      const moved = inputs.map((t) => t.to(name));
      const got = c.run(moved);
      expect(got.backend).toBe(name);
      expect(mismatches(got, want, c.tolerance)).toEqual([]);
    });

    it('should split storage into chunks', () => {
      const t = randn([10, 13], { backend: 'cpu' }).to(name);
      expect(chunkCount(t)).toBe(3);
      expect(chunkCount(matmul(t, randn([13, 13], { backend: 'cpu' }).to(name)))).toBe(3);
    });
  });
}

describe('gpujs webasm above 2^24 elements', () => {
  const tier = openTier('webasm', { suffix: '-large' });
  it('should add and sum a [4097, 4096] tensor in two chunks', () => {
    setBackend(tier.backend!.name);
    try {
      const x = full([4097, 4096], 1.5);
      const y = add(x, x);
      expect(chunkCount(y)).toBe(2);
      const total = sum(y).item();
      expect(total).toBe(3 * 4097 * 4096);
      const values = y.dataSync();
      expect(values.length).toBe(4097 * 4096);
      expect(values[4097 * 4096 - 1]).toBe(3);
      x.dispose();
      y.dispose();
    } finally {
      setBackend('cpu');
    }
  });
});
