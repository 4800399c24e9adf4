import { normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { div, exp, sub } from './elementwise.js';
import { logSumExp, max, sum } from './reduce.js';

/** exp(x) / sum(exp(x)) along `axis`, shifted by the maximum so large logits do not overflow. */
export function softmax(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis('softmax', axis, x.rank);
  const e = exp(sub(x, max(x.detach(), a, true)));
  return div(e, sum(e, a, true));
}

/** x - logSumExp(x) along `axis`, stable for large logits. */
export function logSoftmax(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis('logSoftmax', axis, x.rank);
  return sub(x, logSumExp(x, a, true));
}
