import {
  add,
  clone,
  InvalidArgumentError,
  mapTree,
  mul,
  noGrad,
  sub,
  type Tensor,
  zipTrees,
} from '@metagrad/core';

/** Hyperparameters of SGD, with `torch.optim.SGD`'s defaults. */
export interface SGDOptions {
  /** Learning rate (required). */
  lr: number;
  /** Momentum factor; default 0 (no momentum buffer). */
  momentum?: number;
  /** Dampening for momentum; default 0. */
  dampening?: number;
  /** Whether to use Nesterov momentum (needs momentum > 0 and dampening 0); default false. */
  nesterov?: boolean;
  /** L2 penalty added to the gradient as weightDecay * p; default 0. */
  weightDecay?: number;
  /** Whether to maximize the objective instead of minimizing it; default false. */
  maximize?: boolean;
}

/** SGD state: the momentum buffer (a pytree like the params) once momentum has run. */
export interface SGDState<T> {
  /** Number of updates taken so far. */
  step: number;
  /** Momentum buffer, a pytree like the params; null until a step with momentum has run. */
  momentumBuffer: T | null;
}

export function validateSGD(options: SGDOptions): Required<SGDOptions> {
  const o = {
    momentum: 0,
    dampening: 0,
    nesterov: false,
    weightDecay: 0,
    maximize: false,
    ...options,
  };
  if (!(o.lr >= 0)) throw new InvalidArgumentError(`SGD: lr must be >= 0, got ${o.lr}`);
  if (!(o.momentum >= 0))
    throw new InvalidArgumentError(`SGD: momentum must be >= 0, got ${o.momentum}`);
  if (!(o.weightDecay >= 0))
    throw new InvalidArgumentError(`SGD: weightDecay must be >= 0, got ${o.weightDecay}`);
  if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
    throw new InvalidArgumentError(
      'SGD: nesterov needs momentum > 0 and dampening 0, as in PyTorch',
    );
  }
  return o;
}

/** Returns the initial SGD state: step 0 and no momentum buffer. */
export function sgdInit<T>(_params: T): SGDState<T> {
  return { step: 0, momentumBuffer: null };
}

/**
 * One step of `torch.optim.SGD`'s update rule, as a pure function: returns new parameters and
 * state and changes no tensor. Runs without recording gradients.
 */
export function sgdUpdate<T>(
  params: T,
  grads: T,
  state: SGDState<T>,
  options: SGDOptions,
): {
  /** Updated parameters, a pytree like the input. */
  params: T;
  /** State for the next step. */
  state: SGDState<T>;
} {
  const o = validateSGD(options);
  return noGrad(() => {
    const direction = zipTrees([params, grads], ([p, g]) => {
      let d = o.maximize ? g.neg() : g;
      if (o.weightDecay !== 0) d = add(d, mul(p, o.weightDecay));
      return d;
    });
    let buffer: T | null = null;
    let update = direction;
    if (o.momentum !== 0) {
      buffer =
        state.momentumBuffer === null
          ? (mapTree(direction, clone) as T)
          : zipTrees([state.momentumBuffer, direction], ([b, d]) =>
              add(mul(b, o.momentum), mul(d, 1 - o.dampening)),
            );
      update = o.nesterov
        ? zipTrees([direction, buffer], ([d, b]) => add(d, mul(b, o.momentum)))
        : buffer;
    }
    const next = zipTrees([params, update], ([p, u]) => sub(p, mul(u, o.lr)));
    return { params: next, state: { step: state.step + 1, momentumBuffer: buffer } };
  });
}

export type { Tensor };
