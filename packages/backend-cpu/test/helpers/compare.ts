import type { Tensor } from '@metagrad/core';
import { expect } from 'vitest';
import { decodeValues, type FixtureTensor } from './fixtures.js';

/** A tolerance in norm: ||got - want|| <= rtol * ||want|| + atol over the finite elements. */
export interface Tolerance {
  rtol: number;
  atol: number;
}

/** float64 against PyTorch's float64: only rounding differences are allowed. */
export const FLOAT64_TOLERANCE: Tolerance = { rtol: 1e-10, atol: 1e-12 };

/** float32 against PyTorch's float64: float32 rounding of inputs and intermediates. */
export const FLOAT32_TOLERANCE: Tolerance = { rtol: 1e-4, atol: 1e-6 };

/**
 * Lists how `got` differs from `want`: shape, non-finite positions (NaN where PyTorch has NaN
 * and nowhere else, infinities with their sign) and the norm of the finite difference. An
 * empty list means the tensors match. A null `got` stands for zeros of `want`'s shape.
 */
export function describeMismatch(
  got: Tensor | null,
  want: FixtureTensor,
  tolerance: Tolerance,
): string[] {
  const expected = decodeValues(want);
  if (got !== null && got.shape.join() !== want.shape.join()) {
    return [`shape [${got.shape.join(', ')}], expected [${want.shape.join(', ')}]`];
  }
  const actual =
    got === null ? new Array<number>(expected.length).fill(0) : Array.from(got.dataSync());
  const problems: string[] = [];
  let diffSquared = 0;
  let wantSquared = 0;
  for (let i = 0; i < expected.length; i++) {
    const w = expected[i];
    const g = actual[i];
    if (Number.isNaN(w) || Number.isNaN(g)) {
      if (!(Number.isNaN(w) && Number.isNaN(g)))
        problems.push(`element ${i} is ${g}, expected ${w}`);
    } else if (!Number.isFinite(w) || !Number.isFinite(g)) {
      if (w !== g) problems.push(`element ${i} is ${g}, expected ${w}`);
    } else {
      diffSquared += (g - w) ** 2;
      wantSquared += w * w;
    }
  }
  const diff = Math.sqrt(diffSquared);
  const bound = tolerance.rtol * Math.sqrt(wantSquared) + tolerance.atol;
  if (!(diff <= bound)) {
    problems.push(`||got - want|| = ${diff} exceeds ${bound}; got [${actual.join(', ')}]`);
  }
  return problems;
}

/** Asserts that `got` matches the fixture tensor `want` (see {@link describeMismatch}). */
export function expectClose(
  got: Tensor | null,
  want: FixtureTensor,
  tolerance: Tolerance,
  label: string,
): void {
  expect(describeMismatch(got, want, tolerance), label).toEqual([]);
}

/** Asserts that an integer or bool tensor equals the fixture tensor exactly. */
export function expectEqual(got: Tensor, want: FixtureTensor, label: string): void {
  expect(got.shape, `${label} shape`).toEqual(want.shape);
  expect(Array.from(got.dataSync()), `${label} values`).toEqual(decodeValues(want));
}
