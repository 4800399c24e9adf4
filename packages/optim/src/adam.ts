import {
  add,
  div,
  InvalidArgumentError,
  mapTree,
  maximum,
  mul,
  noGrad,
  sqrt,
  square,
  sub,
  type Tensor,
  zerosLike,
  zipTrees,
} from '@metagrad/core';

/** Hyperparameters of Adam and AdamW, with `torch.optim.Adam`'s defaults (AdamW: weightDecay 0.01). */
export interface AdamOptions {
  /** Learning rate; default 1e-3. */
  lr?: number;
  /** Decay rates of the first and second moment estimates; default [0.9, 0.999]. */
  betas?: [number, number];
  /** Term added to the denominator for numerical stability; default 1e-8. */
  eps?: number;
  /** L2 penalty (Adam) or decoupled decay rate (AdamW); default 0 for Adam, 0.01 for AdamW. */
  weightDecay?: number;
  /** Whether to use the maximum of past second moment estimates (AMSGrad); default false. */
  amsgrad?: boolean;
  /** Whether to maximize the objective instead of minimizing it; default false. */
  maximize?: boolean;
}

/** Adam state: the step count and the first and second moment estimates, pytrees like the params. */
export interface AdamState<T> {
  /** Number of updates taken so far. */
  step: number;
  /** Exponential moving average of the gradients (first moment). */
  expAvg: T;
  /** Exponential moving average of the squared gradients (second moment). */
  expAvgSq: T;
  /** Running maximum of `expAvgSq` when `amsgrad` is set, else null. */
  maxExpAvgSq: T | null;
}

export function validateAdam(options: AdamOptions, decoupled: boolean): Required<AdamOptions> {
  const name = decoupled ? 'AdamW' : 'Adam';
  const o = {
    lr: 1e-3,
    betas: [0.9, 0.999] as [number, number],
    eps: 1e-8,
    weightDecay: decoupled ? 1e-2 : 0,
    amsgrad: false,
    maximize: false,
    ...options,
  };
  if (!(o.lr >= 0)) throw new InvalidArgumentError(`${name}: lr must be >= 0, got ${o.lr}`);
  if (!(o.eps >= 0)) throw new InvalidArgumentError(`${name}: eps must be >= 0, got ${o.eps}`);
  o.betas.forEach((b, i) => {
    if (!(b >= 0 && b < 1))
      throw new InvalidArgumentError(`${name}: betas[${i}] must be in [0, 1), got ${b}`);
  });
  if (!(o.weightDecay >= 0))
    throw new InvalidArgumentError(`${name}: weightDecay must be >= 0, got ${o.weightDecay}`);
  return o;
}

/** Returns the initial Adam state for `params`: step 0 and zero moments shaped like the params. */
export function adamInit<T>(params: T, options: AdamOptions = {}): AdamState<T> {
  return noGrad(() => ({
    step: 0,
    expAvg: mapTree(params, (p) => zerosLike(p)) as T,
    expAvgSq: mapTree(params, (p) => zerosLike(p)) as T,
    maxExpAvgSq: options.amsgrad ? (mapTree(params, (p) => zerosLike(p)) as T) : null,
  }));
}

/**
 * One step of `torch.optim.Adam` (or `AdamW` with `decoupled`), as a pure function returning
 * new parameters and state. Adam adds weightDecay * p to the gradient; AdamW instead shrinks
 * the parameters by lr * weightDecay before the update.
 */
export function adamUpdate<T>(
  params: T,
  grads: T,
  state: AdamState<T>,
  options: AdamOptions = {},
  decoupled = false,
): {
  /** Updated parameters, a pytree like the input. */
  params: T;
  /** State for the next step. */
  state: AdamState<T>;
} {
  const o = validateAdam(options, decoupled);
  const [beta1, beta2] = o.betas;
  const step = state.step + 1;
  const biasCorrection1 = 1 - beta1 ** step;
  const biasCorrection2 = 1 - beta2 ** step;
  return noGrad(() => {
    const gradients = zipTrees([params, grads], ([p, g]) => {
      let d = o.maximize ? g.neg() : g;
      if (!decoupled && o.weightDecay !== 0) d = add(d, mul(p, o.weightDecay));
      return d;
    });
    const expAvg = zipTrees([state.expAvg, gradients], ([m, g]) =>
      add(mul(m, beta1), mul(g, 1 - beta1)),
    );
    const expAvgSq = zipTrees([state.expAvgSq, gradients], ([v, g]) =>
      add(mul(v, beta2), mul(square(g), 1 - beta2)),
    );
    const maxExpAvgSq =
      o.amsgrad && state.maxExpAvgSq !== null
        ? zipTrees([state.maxExpAvgSq, expAvgSq], ([a, b]) => maximum(a, b))
        : null;
    const second = maxExpAvgSq ?? expAvgSq;
    const stepSize = o.lr / biasCorrection1;
    const sqrtBc2 = Math.sqrt(biasCorrection2);
    const next = zipTrees([params, expAvg, second], ([p, m, v]) => {
      const shrunk = decoupled && o.weightDecay !== 0 ? mul(p, 1 - o.lr * o.weightDecay) : p;
      const denom = add(div(sqrt(v), sqrtBc2), o.eps);
      return sub(shrunk, mul(div(m, denom), stepSize));
    });
    return { params: next, state: { step, expAvg, expAvgSq, maxExpAvgSq } };
  });
}

export type { Tensor };
