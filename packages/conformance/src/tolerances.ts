import type { Tolerance } from './compare.js';
import type { FloatDType } from './fixtures.js';

/** float64 against PyTorch's float64: only differences in rounding order are allowed. */
export const FLOAT64_TOLERANCE: Tolerance = { rtol: 1e-10, atol: 1e-12 };

/** float32 against PyTorch's float64: float32 rounding of the inputs and of every intermediate. */
export const FLOAT32_TOLERANCE: Tolerance = { rtol: 1e-4, atol: 1e-6 };

/**
 * Ops whose correct float32 results need more than FLOAT32_TOLERANCE, with the reason. None
 * does on the CPU backend, whose largest float32 fixture error is 1.5e-6 (a gradient of mul).
 */
const FLOAT32_FIXTURE_OVERRIDES: Record<string, Tolerance> = {};

/** Returns the tolerance of a fixture case of `op` run in `dtype`. */
export function fixtureTolerance(op: string, dtype: FloatDType): Tolerance {
  if (dtype === 'float64') return FLOAT64_TOLERANCE;
  return FLOAT32_FIXTURE_OVERRIDES[op] ?? FLOAT32_TOLERANCE;
}

/** float32 on the candidate against float64 on the CPU backend, from the same float32 inputs. */
export const CROSS_BACKEND_TOLERANCE: Tolerance = { rtol: 1e-5, atol: 1e-6 };

/**
 * Ops that need more than CROSS_BACKEND_TOLERANCE, with the reason. None does on the CPU
 * backend, whose largest float32 error against its float64 results is 2.1e-7 (a gradient of pow).
 */
const CROSS_BACKEND_OVERRIDES: Record<string, Tolerance> = {};

/** Returns the tolerance of a cross-backend case of `op`. */
export function crossBackendTolerance(op: string): Tolerance {
  return CROSS_BACKEND_OVERRIDES[op] ?? CROSS_BACKEND_TOLERANCE;
}
