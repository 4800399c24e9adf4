import { beforeAll, describe, expect, it } from 'vitest';
import {
  flattenTree,
  mapTree,
  type Tensor,
  tensor,
  unflattenTree,
  zipTrees,
} from '../src/index.js';
import { registerStorageBackend } from './helpers/storage_backend.js';

beforeAll(registerStorageBackend);

const scalar = (v: number) => tensor([v], { dtype: 'float64', backend: 'test-storage' });

describe('pytree', () => {
  it('should flatten records and arrays in order with dotted paths', () => {
    const tree = {
      conv: { weight: scalar(1), bias: scalar(2) },
      layers: [scalar(3), { w: scalar(4) }],
      lr: 0.1,
    };
    const { leaves, paths } = flattenTree(tree);
    expect(paths).toEqual(['conv.weight', 'conv.bias', 'layers.0', 'layers.1.w']);
    expect(leaves.map((t) => t.dataSync()[0])).toEqual([1, 2, 3, 4]);
    expect(flattenTree(tree, 'params').paths[0]).toBe('params.conv.weight');
  });

  it('should rebuild a tree with new leaves and keep other values', () => {
    const tree = { a: scalar(1), b: [scalar(2)], name: 'layer' };
    const rebuilt = unflattenTree(tree, ['x', 'y']);
    expect(rebuilt).toEqual({ a: 'x', b: ['y'], name: 'layer' });
  });

  it('should reject a leaf count that does not match', () => {
    expect(() => unflattenTree({ a: scalar(1) }, [])).toThrow(/1 tensor leaves but 0 values/);
  });

  it('should map leaves with their paths', () => {
    const mapped = mapTree({ a: scalar(1), b: { c: scalar(2) } }, (_, path) => path);
    expect(mapped).toEqual({ a: 'a', b: { c: 'b.c' } });
  });

  it('should zip trees of one structure and reject different ones', () => {
    const x = { a: scalar(1), b: scalar(2) };
    const y = { a: scalar(3), b: scalar(4) };
    const picked = zipTrees([x, y], (leaves: Tensor[]) => leaves[1]);
    expect(picked.a).toBe(y.a);
    expect(() => zipTrees([x, { a: scalar(1) } as typeof x], (leaves) => leaves[0])).toThrow(
      /tree 1 has leaves \[a\], expected tree 0's \[a, b\]/,
    );
  });
});
