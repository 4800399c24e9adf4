import { promoteTypes } from '../dtype.js';
import { runKernel } from '../engine.js';
import { formatShape, InvalidArgumentError, ShapeError } from '../errors.js';
import { normalizeAxis } from '../shape.js';
import { Tensor } from '../tensor.js';
import { arange } from './creation.js';
import { cast } from './elementwise.js';
import { indexAdd } from './indexing.js';
import { defineOp } from './op.js';
import { reshape, unsqueeze } from './shape.js';

/**
 * Elements start, start + step, ... before end along `axis`, as Python's `x[start:end:step]`:
 * negative start and end count from the end and out-of-range bounds are clipped.
 */
export function slice(
  x: Tensor,
  axis: number,
  start?: number | null,
  end?: number | null,
  step = 1,
): Tensor {
  const a = normalizeAxis('slice', axis, x.rank);
  if (!Number.isInteger(step) || step < 1) {
    throw new InvalidArgumentError(`slice: step must be a positive integer, got ${step}`);
  }
  const n = x.shape[a];
  const clip = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
  const from = start == null ? 0 : clip(start);
  const to = end == null ? n : clip(end);
  const length = Math.max(0, Math.ceil((to - from) / step));
  if (from === 0 && length === n && step === 1) return x;
  const begin = x.shape.map(() => 0);
  const size = [...x.shape];
  const steps = x.shape.map(() => 1);
  begin[a] = from;
  size[a] = length;
  steps[a] = step;
  const out = defineOp(
    'slice',
    [x],
    () => runKernel('Slice', [x], { begin, size, step: steps }, 'slice'),
    (dy, [x]) => {
      if (step === 1) {
        const pads: number[] = [];
        for (let d = x.rank - 1; d >= 0; d--)
          pads.push(d === a ? from : 0, d === a ? n - from - length : 0);
        return [pad(dy, pads)];
      }
      const index = arange(from, from + length * step, step, { backend: dy.backend });
      return [indexAdd(dy, a, index, n)];
    },
  );
  if (step === 1 && out.gradFn) out.gradFn.sliceOf = { axis: a, start: from };
  return out;
}

/** `length` elements from `start` along `axis`, as `torch.narrow` (the range must fit). */
export function narrow(x: Tensor, axis: number, start: number, length: number): Tensor {
  const a = normalizeAxis('narrow', axis, x.rank);
  const n = x.shape[a];
  const from = start < 0 ? start + n : start;
  if (
    !Number.isInteger(from) ||
    !Number.isInteger(length) ||
    from < 0 ||
    length < 0 ||
    from + length > n
  ) {
    throw new InvalidArgumentError(
      `narrow: start ${start} and length ${length} do not fit dimension ${a} of size ${n}`,
    );
  }
  return slice(x, a, from, from + length);
}

/** The slice at `index` along `axis`, with that dimension removed, as `torch.select`. */
export function select(x: Tensor, axis: number, index: number): Tensor {
  const a = normalizeAxis('select', axis, x.rank);
  const n = x.shape[a];
  if (!Number.isInteger(index) || index < -n || index >= n) {
    throw new InvalidArgumentError(
      `select: index ${index} is out of range for dimension ${a} of size ${n}`,
    );
  }
  const i = index < 0 ? index + n : index;
  const out = slice(x, a, i, i + 1);
  return reshape(
    out,
    x.shape.filter((_, d) => d !== a),
  );
}

/**
 * Splits along `axis` into chunks of `splitSize` (the last may be smaller) or into the given
 * section sizes, which must add up to the dimension, as `torch.split`.
 */
export function split(
  x: Tensor,
  splitSizeOrSections: number | readonly number[],
  axis = 0,
): Tensor[] {
  const a = normalizeAxis('split', axis, x.rank);
  const n = x.shape[a];
  let sizes: number[];
  if (typeof splitSizeOrSections === 'number') {
    const s = splitSizeOrSections;
    if (!Number.isInteger(s) || s <= 0) {
      throw new InvalidArgumentError(`split: splitSize must be a positive integer, got ${s}`);
    }
    sizes = [];
    for (let at = 0; at < n; at += s) sizes.push(Math.min(s, n - at));
    if (sizes.length === 0) sizes.push(0);
  } else {
    sizes = [...splitSizeOrSections];
    const total = sizes.reduce((p, q) => p + q, 0);
    if (sizes.some((s) => !Number.isInteger(s) || s < 0) || total !== n) {
      throw new InvalidArgumentError(
        `split: sections [${sizes.join(', ')}] must be non-negative integers that add up to the size ${n} of dimension ${a}`,
      );
    }
  }
  const out: Tensor[] = [];
  let at = 0;
  for (const s of sizes) {
    out.push(slice(x, a, at, at + s));
    at += s;
  }
  return out;
}

/** Joins tensors along an existing axis; shapes must match elsewhere. Dtypes promote. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) {
    throw new InvalidArgumentError('concat: expected a non-empty array of tensors');
  }
  tensors.forEach((t, i) => {
    if (!(t instanceof Tensor))
      throw new InvalidArgumentError(`concat: element ${i} is not a Tensor`);
  });
  const first = tensors[0];
  const a = normalizeAxis('concat', axis, first.rank);
  tensors.forEach((t, i) => {
    const matches =
      t.rank === first.rank &&
      t.shape.every((d: number, j: number) => j === a || d === first.shape[j]);
    if (!matches) {
      throw new ShapeError(
        `concat: tensor ${i} has shape ${formatShape(t.shape)}, which does not match tensor 0's ${formatShape(first.shape)} outside dimension ${a}`,
      );
    }
  });
  if (tensors.length === 1) return first;
  const dtype = tensors.map((t) => t.dtype).reduce(promoteTypes);
  const inputs = tensors.map((t) => cast(t, dtype));
  return defineOp(
    'concat',
    inputs,
    () => runKernel('Concat', inputs, { axis: a }, 'concat'),
    (dy, xs) => {
      let at = 0;
      return xs.map((x) => {
        const part = slice(dy, a, at, at + x.shape[a]);
        at += x.shape[a];
        return part;
      });
    },
  );
}

/** Joins tensors of one shape along a new axis. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) {
    throw new InvalidArgumentError('stack: expected a non-empty array of tensors');
  }
  const first = tensors[0];
  tensors.forEach((t, i) => {
    if (!(t instanceof Tensor) || t.shape.join() !== first.shape.join()) {
      throw new ShapeError(
        `stack: tensor ${i} has shape ${t instanceof Tensor ? formatShape(t.shape) : typeof t}, expected tensor 0's ${formatShape(first.shape)}`,
      );
    }
  });
  const a = normalizeAxis('stack', axis, first.rank + 1);
  return concat(
    tensors.map((t) => unsqueeze(t, a)),
    a,
  );
}

/**
 * Pads with a constant, as `torch.nn.functional.pad`: `pads` lists (before, after) pairs
 * starting from the last dimension. Negative amounts crop.
 */
export function pad(x: Tensor, pads: readonly number[], value = 0): Tensor {
  if (pads.length % 2 !== 0 || pads.length / 2 > x.rank || pads.some((p) => !Number.isInteger(p))) {
    throw new InvalidArgumentError(
      `pad: pads must be integer (before, after) pairs for at most ${x.rank} dimensions, got [${pads.join(', ')}]`,
    );
  }
  const perDim: [number, number][] = x.shape.map(() => [0, 0]);
  for (let i = 0; i < pads.length / 2; i++) perDim[x.rank - 1 - i] = [pads[2 * i], pads[2 * i + 1]];
  let out = x;
  perDim.forEach(([before, after], d) => {
    if (before < 0 || after < 0) {
      const n = out.shape[d];
      const from = Math.max(0, -before);
      const to = n - Math.max(0, -after);
      if (to < from) {
        throw new ShapeError(
          `pad: cropping [${pads.join(', ')}] leaves dimension ${d} of size ${n} with a negative size`,
        );
      }
      out = slice(out, d, from, to);
    }
  });
  const grow = perDim.map(([b, c]) => [Math.max(0, b), Math.max(0, c)] as [number, number]);
  if (grow.every(([b, c]) => b === 0 && c === 0)) return out;
  const input = out;
  return defineOp(
    'pad',
    [input],
    () => runKernel('Pad', [input], { pads: grow, value }, 'pad'),
    (dy, [x]) => {
      let g = dy;
      grow.forEach(([b], d) => {
        g = slice(g, d, b, b + x.shape[d]);
      });
      return [g];
    },
  );
}
