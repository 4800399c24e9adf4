import type { Tensor } from './tensor.js';

const MAX_ELEMENTS = 1000;
const EDGE_ITEMS = 3;

/**
 * Formats a tensor as PyTorch prints one: `tensor([[1.0000, 2.0000]], dtype=float64)`, with the
 * middle of long dimensions elided. float32 is the default dtype, so it is not printed.
 */
export function formatTensor(t: Tensor): string {
  let values: ArrayLike<number>;
  try {
    values = t.dataSync();
  } catch {
    return `tensor(<on ${t.backend}; use await t.data()>, shape=[${t.shape.join(', ')}], dtype=${t.dtype})`;
  }
  const summarize = t.size > MAX_ELEMENTS;
  const isFloat = t.dtype === 'float32' || t.dtype === 'float64';
  const formatValue = (v: number): string => {
    if (t.dtype === 'bool') return v ? 'True' : 'False';
    if (!isFloat) return String(v);
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    const a = Math.abs(v);
    return a !== 0 && (a >= 1e8 || a < 1e-4) ? v.toExponential(4) : v.toFixed(4);
  };
  const strides: number[] = [];
  let stride = 1;
  for (let d = t.rank - 1; d >= 0; d--) {
    strides[d] = stride;
    stride *= t.shape[d];
  }
  const render = (dim: number, offset: number, indent: string): string => {
    if (t.rank === 0) return formatValue(values[0]);
    const n = t.shape[dim];
    const indices =
      summarize && n > 2 * EDGE_ITEMS
        ? [
            ...Array(EDGE_ITEMS).keys(),
            -1,
            ...Array.from({ length: EDGE_ITEMS }, (_, i) => n - EDGE_ITEMS + i),
          ]
        : [...Array(n).keys()];
    if (dim === t.rank - 1) {
      return `[${indices.map((i) => (i < 0 ? '...' : formatValue(values[offset + i]))).join(', ')}]`;
    }
    const separator = `,${'\n'.repeat(t.rank - 1 - dim)}${indent} `;
    return `[${indices.map((i) => (i < 0 ? '...' : render(dim + 1, offset + i * strides[dim], `${indent} `))).join(separator)}]`;
  };
  const body = render(0, 0, '       ');
  const suffix = t.dtype === 'float32' ? '' : `, dtype=${t.dtype}`;
  const grad = t.gradFn ? `, gradFn=${t.gradFn.name}` : t.requiresGrad ? ', requiresGrad=true' : '';
  return `tensor(${body}${suffix}${grad})`;
}
