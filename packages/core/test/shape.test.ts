import { describe, expect, it } from 'vitest';
import {
  broadcastShapes,
  formatShape,
  InvalidArgumentError,
  normalizeAxes,
  normalizeAxis,
  ShapeError,
  sizeOf,
  stridesOf,
} from '../src/index.js';

describe('sizeOf and stridesOf', () => {
  it('should multiply the dimensions', () => {
    expect(sizeOf([2, 3, 4])).toBe(24);
    expect(sizeOf([])).toBe(1);
    expect(sizeOf([3, 0])).toBe(0);
  });

  it('should give row-major strides', () => {
    expect(stridesOf([2, 3, 4])).toEqual([12, 4, 1]);
    expect(stridesOf([])).toEqual([]);
    expect(stridesOf([5])).toEqual([1]);
  });
});

describe('broadcastShapes', () => {
  it('should align shapes from the right', () => {
    expect(broadcastShapes('add', [2, 1, 4], [3, 1])).toEqual([2, 3, 4]);
    expect(broadcastShapes('add', [], [2, 2])).toEqual([2, 2]);
    expect(broadcastShapes('where', [1], [2, 3], [3])).toEqual([2, 3]);
  });

  it('should keep a zero-size dimension against 1', () => {
    expect(broadcastShapes('add', [0, 3], [1, 3])).toEqual([0, 3]);
  });

  it('should name the op, the shapes and the dimension on failure', () => {
    expect(() => broadcastShapes('mul', [2, 3], [4])).toThrow(ShapeError);
    expect(() => broadcastShapes('mul', [2, 3], [4])).toThrow(
      'mul: shapes [2, 3] and [4] cannot be broadcast together (size 4 against 3 at dimension 1 of the result)',
    );
  });
});

describe('normalizeAxis and normalizeAxes', () => {
  it('should resolve negative axes', () => {
    expect(normalizeAxis('sum', -1, 3)).toBe(2);
    expect(normalizeAxis('sum', 0, 3)).toBe(0);
  });

  it('should reject an axis out of range, naming the op and the argument', () => {
    expect(() => normalizeAxis('softmax', 3, 3)).toThrow(InvalidArgumentError);
    expect(() => normalizeAxis('softmax', 3, 3)).toThrow(
      'softmax: axis must be an integer in [-3, 2] for a rank-3 tensor, got 3',
    );
    expect(() => normalizeAxis('flatten', 1.5, 3, 'startDim')).toThrow(/flatten: startDim/);
  });

  it('should sort axes and expand null to all', () => {
    expect(normalizeAxes('sum', [-1, 0], 3)).toEqual([0, 2]);
    expect(normalizeAxes('sum', null, 3)).toEqual([0, 1, 2]);
    expect(normalizeAxes('sum', undefined, 2)).toEqual([0, 1]);
    expect(normalizeAxes('sum', 1, 2)).toEqual([1]);
  });

  it('should reject an axis listed twice', () => {
    expect(() => normalizeAxes('sum', [1, -2], 3)).toThrow(/sum: axis lists a dimension twice/);
  });
});

describe('formatShape', () => {
  it('should format like a list', () => {
    expect(formatShape([2, 3])).toBe('[2, 3]');
    expect(formatShape([])).toBe('[]');
  });
});
