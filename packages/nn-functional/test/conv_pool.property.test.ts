import '@metagrad/backend-cpu/register';
import {
  autograd,
  fromTypedArray,
  Generator,
  MetagradError,
  mul,
  sum,
  type Tensor,
} from '@metagrad/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { avgPool2d, conv2d, maxPool2d } from '../src/index.js';
import { relativeError, SLOW_TIMEOUT_MS } from './nn_fixtures.js';

// Slow references written as plain loops over output positions and kernel taps, independent of
// the kernels. Each returns null where PyTorch raises an error for the configuration.

const RTOL = 1e-12;

function randomArray(size: number, seed: number): Float64Array {
  const g = new Generator(seed);
  return Float64Array.from({ length: size }, () => g.normal());
}

function leaf(values: Float64Array, shape: number[]): Tensor {
  return fromTypedArray(values, shape, 'float64').requiresGrad_();
}

/** Checks the output shape and values, then the gradients of sum(output * dy). */
function expectMatches(
  out: Tensor,
  reference: { shape: number[]; out: Float64Array; grads: Float64Array[] },
  inputs: Tensor[],
  dy: Float64Array,
): void {
  expect(out.shape).toEqual(reference.shape);
  expect(relativeError(out.dataSync(), reference.out)).toBeLessThanOrEqual(RTOL);
  const cotangent = fromTypedArray(dy, out.shape, 'float64');
  const grads = autograd.grad(sum(mul(out, cotangent)), inputs);
  grads.forEach((g, i) => {
    expect(g!.shape).toEqual(inputs[i].shape);
    expect(relativeError(g!.dataSync(), reference.grads[i])).toBeLessThanOrEqual(RTOL);
  });
}

function expectClearError(call: () => unknown, op: string): void {
  let caught: unknown = null;
  try {
    call();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(MetagradError);
  expect((caught as Error).message.startsWith(`${op}: `)).toBe(true);
}

interface ConvCase {
  n: number;
  groups: number;
  inPerGroup: number;
  outPerGroup: number;
  channelMismatch: boolean;
  h: number;
  w: number;
  kh: number;
  kw: number;
  stride: [number, number];
  dilation: [number, number];
  padding: number | [number, number] | 'valid' | 'same';
  bias: boolean;
  unbatched: boolean;
  seed: number;
}

const convCase: fc.Arbitrary<ConvCase> = fc.record({
  n: fc.integer({ min: 1, max: 2 }),
  groups: fc.integer({ min: 1, max: 3 }),
  inPerGroup: fc.integer({ min: 1, max: 2 }),
  outPerGroup: fc.integer({ min: 1, max: 2 }),
  channelMismatch: fc.integer({ min: 0, max: 4 }).map((k) => k === 0),
  h: fc.integer({ min: 1, max: 8 }),
  w: fc.integer({ min: 1, max: 8 }),
  kh: fc.integer({ min: 1, max: 3 }),
  kw: fc.integer({ min: 1, max: 3 }),
  stride: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  padding: fc.oneof(
    fc.integer({ min: 0, max: 2 }),
    fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
    fc.constant('valid' as const),
    fc.constant('same' as const),
  ),
  bias: fc.boolean(),
  unbatched: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1_000_000 }),
});

/** Padding as [top, bottom, left, right], or null where PyTorch rejects it. */
function referencePadding(c: ConvCase): number[] | null {
  if (c.padding === 'valid') return [0, 0, 0, 0];
  if (c.padding === 'same') {
    if (c.stride[0] !== 1 || c.stride[1] !== 1) return null;
    const th = c.dilation[0] * (c.kh - 1);
    const tw = c.dilation[1] * (c.kw - 1);
    return [th >> 1, th - (th >> 1), tw >> 1, tw - (tw >> 1)];
  }
  const [ph, pw] = typeof c.padding === 'number' ? [c.padding, c.padding] : c.padding;
  return [ph, ph, pw, pw];
}

function referenceConv(
  c: ConvCase,
  x: Float64Array,
  weight: Float64Array,
  dy: (size: number) => Float64Array,
) {
  const pad = referencePadding(c);
  if (pad === null || c.channelMismatch) return null;
  const inC = c.groups * c.inPerGroup;
  const outC = c.groups * c.outPerGroup;
  const outH =
    Math.floor((c.h + pad[0] + pad[1] - c.dilation[0] * (c.kh - 1) - 1) / c.stride[0]) + 1;
  const outW =
    Math.floor((c.w + pad[2] + pad[3] - c.dilation[1] * (c.kw - 1) - 1) / c.stride[1]) + 1;
  if (outH < 1 || outW < 1) return null;
  const out = new Float64Array(c.n * outC * outH * outW);
  const g = dy(out.length);
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(weight.length);
  const db = new Float64Array(outC);
  for (let b = 0; b < c.n; b++) {
    for (let o = 0; o < outC; o++) {
      const group = Math.floor(o / c.outPerGroup);
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          const at = ((b * outC + o) * outH + oy) * outW + ox;
          db[o] += g[at];
          for (let ci = 0; ci < c.inPerGroup; ci++) {
            const channel = group * c.inPerGroup + ci;
            for (let ky = 0; ky < c.kh; ky++) {
              for (let kx = 0; kx < c.kw; kx++) {
                const iy = oy * c.stride[0] - pad[0] + ky * c.dilation[0];
                const ix = ox * c.stride[1] - pad[2] + kx * c.dilation[1];
                if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
                const xi = ((b * inC + channel) * c.h + iy) * c.w + ix;
                const wi = ((o * c.inPerGroup + ci) * c.kh + ky) * c.kw + kx;
                out[at] += x[xi] * weight[wi];
                dx[xi] += weight[wi] * g[at];
                dw[wi] += x[xi] * g[at];
              }
            }
          }
        }
      }
    }
  }
  return { out, outH, outW, outC, g, dx, dw, db };
}

describe('conv2d property: random shapes match loops or raise', () => {
  it(
    'holds for 400 random configurations',
    () => {
      const counts = { matched: 0, rejected: 0 };
      fc.assert(
        fc.property(convCase, (c) => {
          const inC = c.groups * c.inPerGroup + (c.channelMismatch ? 1 : 0);
          const outC = c.groups * c.outPerGroup;
          const xShape = c.unbatched ? [inC, c.h, c.w] : [c.n, inC, c.h, c.w];
          const n = c.unbatched ? 1 : c.n;
          const xValues = randomArray(n * inC * c.h * c.w, c.seed);
          const wShape = [outC, c.inPerGroup, c.kh, c.kw];
          const wValues = randomArray(outC * c.inPerGroup * c.kh * c.kw, c.seed + 1);
          const bValues = randomArray(outC, c.seed + 2);
          const x = leaf(xValues, xShape);
          const weight = leaf(wValues, wShape);
          const bias = c.bias ? leaf(bValues, [outC]) : null;
          const options = {
            stride: c.stride,
            dilation: c.dilation,
            padding: c.padding,
            groups: c.groups,
          };
          const ref = referenceConv({ ...c, n }, xValues, wValues, (size) =>
            randomArray(size, c.seed + 3),
          );
          if (ref === null) {
            expectClearError(() => conv2d(x, weight, bias, options), 'conv2d');
            counts.rejected++;
            return;
          }
          counts.matched++;
          if (bias) {
            ref.out.forEach((_, i) => {
              ref.out[i] += bValues[Math.floor(i / (ref.outH * ref.outW)) % outC];
            });
          }
          const shape = c.unbatched ? [outC, ref.outH, ref.outW] : [n, outC, ref.outH, ref.outW];
          const inputs = bias ? [x, weight, bias] : [x, weight];
          const grads = bias ? [ref.dx, ref.dw, ref.db] : [ref.dx, ref.dw];
          expectMatches(
            conv2d(x, weight, bias, options),
            { shape, out: ref.out, grads },
            inputs,
            ref.g,
          );
        }),
        { numRuns: 400, seed: 20240601 },
      );
      // Both branches must be exercised, or the property says little.
      expect(counts.matched).toBeGreaterThan(150);
      expect(counts.rejected).toBeGreaterThan(40);
    },
    SLOW_TIMEOUT_MS,
  );
});

interface PoolCase {
  kind: 'max' | 'avg';
  n: number;
  c: number;
  h: number;
  w: number;
  kernel: [number, number];
  stride: [number, number] | null;
  padding: [number, number];
  dilation: [number, number];
  ceilMode: boolean;
  countIncludePad: boolean;
  unbatched: boolean;
  seed: number;
}

const poolCase: fc.Arbitrary<PoolCase> = fc.record({
  kind: fc.constantFrom('max' as const, 'avg' as const),
  n: fc.integer({ min: 1, max: 2 }),
  c: fc.integer({ min: 1, max: 2 }),
  h: fc.integer({ min: 1, max: 8 }),
  w: fc.integer({ min: 1, max: 8 }),
  kernel: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })),
  stride: fc.option(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }))),
  padding: fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 })),
  dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  ceilMode: fc.boolean(),
  countIncludePad: fc.boolean(),
  unbatched: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1_000_000 }),
});

/**
 * Lists the window start positions (in input coordinates) along one dimension: every window that
 * fits in the padded input, plus in ceil mode one partial window that still starts inside the
 * input or the left padding.
 */
function windowStarts(
  size: number,
  kernel: number,
  stride: number,
  pad: number,
  dilation: number,
  ceil: boolean,
) {
  const starts: number[] = [];
  const extent = dilation * (kernel - 1) + 1;
  for (let o = 0; ; o++) {
    const start = o * stride - pad;
    const fits = start + extent <= size + pad;
    if (fits) {
      starts.push(start);
      continue;
    }
    // A partial window is kept in ceil mode when it starts inside the input or left padding
    // and the window one stride before it (real or not) ends before the padded input does.
    if (ceil && start < size && start - stride + extent < size + pad) starts.push(start);
    break;
  }
  return starts;
}

function referencePool(
  p: PoolCase,
  x: Float64Array,
  n: number,
  dyOf: (size: number) => Float64Array,
) {
  const dilation = p.kind === 'max' ? p.dilation : ([1, 1] as [number, number]);
  const stride = p.stride ?? p.kernel;
  if (p.padding[0] > p.kernel[0] >> 1 || p.padding[1] > p.kernel[1] >> 1) return null;
  const rows = windowStarts(p.h, p.kernel[0], stride[0], p.padding[0], dilation[0], p.ceilMode);
  const cols = windowStarts(p.w, p.kernel[1], stride[1], p.padding[1], dilation[1], p.ceilMode);
  if (rows.length === 0 || cols.length === 0) return null;
  const taps = (start: number, k: number, d: number, size: number) =>
    Array.from({ length: k }, (_, t) => start + t * d).filter((i) => i >= 0 && i < size);
  if (
    p.kind === 'max' &&
    (rows.some((r) => taps(r, p.kernel[0], dilation[0], p.h).length === 0) ||
      cols.some((c) => taps(c, p.kernel[1], dilation[1], p.w).length === 0))
  ) {
    return null;
  }
  const out = new Float64Array(n * p.c * rows.length * cols.length);
  const g = dyOf(out.length);
  const dx = new Float64Array(x.length);
  let at = 0;
  for (let plane = 0; plane < n * p.c; plane++) {
    const base = plane * p.h * p.w;
    for (const r of rows) {
      for (const c of cols) {
        const ys = taps(r, p.kernel[0], dilation[0], p.h);
        const xs = taps(c, p.kernel[1], dilation[1], p.w);
        if (p.kind === 'max') {
          let best = base + ys[0] * p.w + xs[0];
          for (const y of ys)
            for (const xx of xs) if (x[base + y * p.w + xx] > x[best]) best = base + y * p.w + xx;
          out[at] = x[best];
          dx[best] += g[at];
        } else {
          // With countIncludePad the divisor is the window clipped to the padded input.
          const padded = p.countIncludePad
            ? (Math.min(r + p.kernel[0], p.h + p.padding[0]) - r) *
              (Math.min(c + p.kernel[1], p.w + p.padding[1]) - c)
            : ys.length * xs.length;
          let total = 0;
          for (const y of ys) for (const xx of xs) total += x[base + y * p.w + xx];
          out[at] = total / padded;
          for (const y of ys) for (const xx of xs) dx[base + y * p.w + xx] += g[at] / padded;
        }
        at++;
      }
    }
  }
  return { out, g, dx, outH: rows.length, outW: cols.length };
}

describe('pooling property: random shapes match loops or raise', () => {
  it(
    'holds for 400 random configurations',
    () => {
      const counts = { matched: 0, rejected: 0 };
      fc.assert(
        fc.property(poolCase, (p) => {
          const n = p.unbatched ? 1 : p.n;
          const shape = p.unbatched ? [p.c, p.h, p.w] : [n, p.c, p.h, p.w];
          const values = randomArray(n * p.c * p.h * p.w, p.seed);
          const x = leaf(values, shape);
          const common = {
            kernelSize: p.kernel,
            stride: p.stride,
            padding: p.padding,
            ceilMode: p.ceilMode,
          };
          const op = p.kind === 'max' ? 'maxPool2d' : 'avgPool2d';
          const call = () =>
            p.kind === 'max'
              ? maxPool2d(x, { ...common, dilation: p.dilation })
              : avgPool2d(x, { ...common, countIncludePad: p.countIncludePad });
          const ref = referencePool(p, values, n, (size) => randomArray(size, p.seed + 1));
          if (ref === null) {
            expectClearError(call, op);
            counts.rejected++;
            return;
          }
          counts.matched++;
          const outShape = p.unbatched ? [p.c, ref.outH, ref.outW] : [n, p.c, ref.outH, ref.outW];
          expectMatches(call(), { shape: outShape, out: ref.out, grads: [ref.dx] }, [x], ref.g);
        }),
        { numRuns: 400, seed: 20240602 },
      );
      expect(counts.matched).toBeGreaterThan(150);
      expect(counts.rejected).toBeGreaterThan(40);
    },
    SLOW_TIMEOUT_MS,
  );
});
