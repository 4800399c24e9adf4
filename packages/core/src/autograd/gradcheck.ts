import { DTypeError, GradError } from '../errors.js';
import { tidy } from '../memory.js';
import { fromTypedArray, randn } from '../ops/creation.js';
import { mul } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { Generator } from '../random.js';
import type { Tensor } from '../tensor.js';
import { gradients } from './backward.js';

/** Options of {@link gradcheck} and {@link gradgradcheck}. */
export interface GradcheckOptions {
  /** Step of the central differences. */
  eps?: number;
  /**
   * Absolute tolerance; default 1e-5. An element passes when
   * |analytic - numeric| <= atol + rtol * |numeric|.
   */
  atol?: number;
  /** Relative tolerance, scaled by |numeric|; default 1e-3. */
  rtol?: number;
  /** Seed of the random projections of the outputs. */
  seed?: number;
  /** Raise a GradError on mismatch (default) instead of only returning the report. */
  raiseException?: boolean;
}

/** What a gradient check found: the worst mismatch between analytic and numeric gradients. */
export interface GradcheckReport {
  /** Whether every element was within tolerance. */
  ok: boolean;
  /** Largest absolute difference between analytic and numeric gradient elements. */
  maxAbsError: number;
  /** Input index and flat element of the worst mismatch, with both values. */
  worst: {
    /** Index of the input in the argument list. */
    input: number;
    /** Flat (row-major) index of the element within that input. */
    element: number;
    /** Gradient element from autograd. */
    analytic: number;
    /** Gradient element from central differences. */
    numeric: number;
  } | null;
}

/** Function under test: tensors in, one tensor or a list of tensors out. */
export type Fn = (...inputs: Tensor[]) => Tensor | readonly Tensor[];

function asList(out: Tensor | readonly Tensor[]): Tensor[] {
  return Array.isArray(out) ? [...out] : [out as Tensor];
}

/** One random float64 direction per output of `fn`, to project the outputs onto. */
function randomDirections(fn: Fn, inputs: readonly Tensor[], generator: Generator): Tensor[] {
  const shapes = tidy(() => asList(fn(...inputs.map((x) => x.detach()))).map((o) => [...o.shape]));
  const backend = inputs[0]?.backend;
  return shapes.map((shape) => randn(shape, { dtype: 'float64', generator, backend }));
}

/**
 * Compares the gradient of `fn` from autograd with float64 central differences, as
 * `torch.autograd.gradcheck` does. The outputs are projected onto fixed random directions, so
 * one scalar is differentiated: a mismatch in any output's vector-Jacobian product shows up.
 * Only float64 inputs are checked; all inputs must be float64 leaves.
 */
export function gradcheck(
  fn: Fn,
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): GradcheckReport {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, seed = 0, raiseException = true } = options;
  inputs.forEach((x, i) => {
    if (x.dtype !== 'float64') {
      throw new DTypeError(
        `gradcheck: input ${i} must be float64 for finite differences, got ${x.dtype}`,
      );
    }
  });
  const generator = new Generator(seed);
  const directions = randomDirections(fn, inputs, generator);
  const scalar = (xs: readonly Tensor[]): Tensor => {
    const outs = asList(fn(...xs));
    return outs.map((o, k) => sum(mul(o, directions[k]))).reduce((p, q) => p.add(q));
  };

  const analytic = tidy(() => {
    const leaves = inputs.map((x) => x.detach().requiresGrad_());
    const out = scalar(leaves);
    // An output with no graph back to the inputs (the first gradient of a linear op, in
    // gradgradcheck) has the analytic gradient 0; the finite differences must agree.
    if (!out.requiresGrad) return inputs.map((x) => new Float64Array(x.size));
    return gradients([out], leaves, { allowUnused: true }).map((g, i) =>
      g ? Float64Array.from(g.dataSync()) : new Float64Array(inputs[i].size),
    );
  });

  const report: GradcheckReport = { ok: true, maxAbsError: 0, worst: null };
  let worstExcess = 0;
  inputs.forEach((x, i) => {
    const base = Float64Array.from(x.dataSync());
    for (let j = 0; j < base.length; j++) {
      const evaluate = (delta: number): number =>
        tidy(() => {
          const values = Float64Array.from(base);
          values[j] += delta;
          const shifted = inputs.map((y, k) =>
            k === i ? fromTypedArray(values, x.shape, 'float64', { backend: x.backend }) : y,
          );
          return scalar(shifted).item();
        });
      const numeric = (evaluate(eps) - evaluate(-eps)) / (2 * eps);
      const got = analytic[i][j];
      const error = Math.abs(got - numeric);
      const excess = error - (atol + rtol * Math.abs(numeric));
      const bad = !(excess <= 0);
      if (error > report.maxAbsError || Number.isNaN(error)) report.maxAbsError = error;
      if (bad && (report.ok || excess > worstExcess || Number.isNaN(excess))) {
        report.worst = { input: i, element: j, analytic: got, numeric };
        worstExcess = excess;
      }
      if (bad) report.ok = false;
    }
  });
  for (const d of directions) d.dispose();
  if (!report.ok && raiseException) {
    const w = report.worst!;
    throw new GradError(
      `gradcheck: the gradient of input ${w.input} at element ${w.element} is ${w.analytic} from autograd but ${w.numeric} from finite differences (atol ${atol}, rtol ${rtol})`,
    );
  }
  return report;
}

/**
 * Checks second-order gradients: the gradient of a random projection of `fn`'s first gradient
 * (computed with createGraph) against finite differences of that first gradient, as
 * `torch.autograd.gradgradcheck` does.
 */
export function gradgradcheck(
  fn: Fn,
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): GradcheckReport {
  const generator = new Generator((options.seed ?? 0) + 1);
  const outDirections = randomDirections(fn, inputs, generator);
  const gradDirections = inputs.map((x) =>
    randn(x.shape, { dtype: 'float64', generator, backend: x.backend }),
  );
  const firstGradient = (...xs: Tensor[]): Tensor => {
    const leaves = xs.map((x) => (x.requiresGrad ? x : x.detach().requiresGrad_()));
    const outs = asList(fn(...leaves));
    const projected = outs.map((o, k) => sum(mul(o, outDirections[k]))).reduce((p, q) => p.add(q));
    const grads = gradients([projected], leaves, { createGraph: true, allowUnused: true });
    const terms = grads
      .map((g, i) => (g ? sum(mul(g, gradDirections[i])) : null))
      .filter((t): t is Tensor => t !== null);
    if (terms.length === 0) throw new GradError('gradgradcheck: fn does not depend on any input');
    return terms.reduce((p, q) => p.add(q));
  };
  try {
    return gradcheck(firstGradient, inputs, options);
  } finally {
    for (const d of [...outDirections, ...gradDirections]) d.dispose();
  }
}
