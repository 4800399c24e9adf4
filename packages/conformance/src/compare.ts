/** Values read back to the host, with the shape and dtype of the tensor they came from. */
export interface HostTensor {
  /** The tensor's shape. */
  shape: readonly number[];
  /** The tensor's dtype name, e.g. 'float32'. */
  dtype: string;
  /** The elements in row-major order. */
  values: ArrayLike<number>;
}

/** A tolerance in norm: ||got - want|| <= rtol * ||want|| + atol over the finite elements. */
export interface Tolerance {
  /** The relative tolerance, a factor of ||want||. */
  rtol: number;
  /** The absolute tolerance, in the units of the values. */
  atol: number;
}

/** The result of comparing one tensor (an output, a gradient) with its reference. */
export interface Comparison {
  /** The name of the compared tensor, e.g. 'output 0' or 'grad of input 1'. */
  label: string;
  /** Whether `got` matched `want` within `tolerance`. */
  passed: boolean;
  /**
   * ||got - want|| / ||want|| over the finite elements (the absolute norm when `want` is all
   * zeros); Infinity when the shape, the dtype or a non-finite element differs.
   */
  error: number;
  /** The tolerance that the comparison applied. */
  tolerance: Tolerance;
  /** ||got - want|| divided by the allowed norm; the worst comparison of a case has the largest. */
  ratio: number;
  /** The reason for the failure, when the comparison failed. */
  detail?: string;
}

function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function failure(label: string, tolerance: Tolerance, detail: string): Comparison {
  return { label, passed: false, error: Infinity, tolerance, ratio: Infinity, detail };
}

/**
 * Compares `got` with `want`: the shape, the dtype (`expectedDType`), non-finite positions
 * (NaN where the reference has NaN and nowhere else, infinities with their sign) and the norm
 * of the finite difference. A null `got` stands for zeros of `want`'s shape, as an unused
 * gradient does. Integer and bool tensors must match exactly (pass a zero tolerance).
 */
export function compareTensors(
  label: string,
  got: HostTensor | null,
  want: HostTensor,
  expectedDType: string,
  tolerance: Tolerance,
): Comparison {
  if (got !== null && got.shape.join() !== want.shape.join()) {
    return failure(
      label,
      tolerance,
      `shape ${formatShape(got.shape)}, expected ${formatShape(want.shape)}`,
    );
  }
  if (got !== null && got.dtype !== expectedDType) {
    return failure(label, tolerance, `dtype ${got.dtype}, expected ${expectedDType}`);
  }
  const expected = want.values;
  const actual = got?.values;
  let diffSquared = 0;
  let wantSquared = 0;
  for (let i = 0; i < expected.length; i++) {
    const w = expected[i];
    const g = actual === undefined ? 0 : actual[i];
    const finite = Number.isFinite(w) && Number.isFinite(g);
    if (!finite && !Object.is(w, g) && !(Number.isNaN(w) && Number.isNaN(g))) {
      return failure(label, tolerance, `element ${i} is ${g}, expected ${w}`);
    }
    if (finite) {
      diffSquared += (g - w) ** 2;
      wantSquared += w * w;
    }
  }
  const diff = Math.sqrt(diffSquared);
  const scale = Math.sqrt(wantSquared);
  const allowed = tolerance.rtol * scale + tolerance.atol;
  const error = scale === 0 ? diff : diff / scale;
  const passed = diff <= allowed;
  let ratio = diff / allowed;
  if (allowed === 0) ratio = passed ? 0 : Infinity;
  const comparison: Comparison = { label, passed, error, tolerance, ratio };
  if (!passed) {
    comparison.detail = `||got - want|| = ${diff.toExponential(3)} exceeds ${allowed.toExponential(3)} (||want|| = ${scale.toExponential(3)})`;
  }
  return comparison;
}

/** Concatenates host tensors into one flat vector (for a norm over a whole pytree). */
export function concatHost(parts: readonly HostTensor[], dtype: string): HostTensor {
  const values: number[] = [];
  for (const part of parts)
    for (let i = 0; i < part.values.length; i++) values.push(part.values[i]);
  return { shape: [values.length], dtype, values };
}
