import { collectTensors, dispose, keep, type Tensor } from '@metagrad/core';
import { type AdamOptions, type AdamState, adamInit, adamUpdate, validateAdam } from './adam.js';
import { type SGDOptions, type SGDState, sgdInit, sgdUpdate, validateSGD } from './sgd.js';

/**
 * A thin stateful wrapper over a functional update for the usual training loop. It owns its
 * parameters and state: `step(grads)` replaces them with new tensors and disposes the old ones
 * (except those still shared with the new state), so hold on to `optimizer.params`, not to an
 * earlier pytree.
 */
abstract class Optimizer<T, S> {
  /** Current parameters, a pytree of tensors; replaced by each `step`. */
  params: T;
  /** Current optimizer state; replaced by each `step`. */
  state: S;

  constructor(params: T, state: S) {
    this.params = params;
    this.state = state;
  }

  protected abstract update(params: T, grads: T, state: S): { params: T; state: S };

  /** Applies one update from `grads` (a pytree like the params) and returns the new params. */
  step(grads: T): T {
    const { params, state } = this.update(this.params, grads, this.state);
    const alive = new Set<Tensor>([...collectTensors(params), ...collectTensors(state)]);
    for (const t of [...collectTensors(this.params), ...collectTensors(this.state)]) {
      if (!alive.has(t)) t.dispose();
    }
    // The optimizer owns the new tensors, so an enclosing tidy() must not free them.
    for (const t of alive) keep(t);
    this.params = params;
    this.state = state;
    return params;
  }

  /** Frees the parameters and the state. */
  dispose(): void {
    dispose(this.params);
    dispose(this.state);
  }
}

/** `torch.optim.SGD` (momentum, dampening, nesterov, weight decay) over a pytree of parameters. */
export class SGD<T> extends Optimizer<T, SGDState<T>> {
  /** Hyperparameters passed to the constructor. */
  readonly options: SGDOptions;

  constructor(params: T, options: SGDOptions) {
    validateSGD(options);
    super(params, sgdInit(params));
    this.options = options;
  }

  /** Computes new params and state with {@link sgdUpdate}. */
  protected update(params: T, grads: T, state: SGDState<T>) {
    return sgdUpdate(params, grads, state, this.options);
  }
}

/** `torch.optim.Adam` over a pytree of parameters. */
export class Adam<T> extends Optimizer<T, AdamState<T>> {
  /** Hyperparameters passed to the constructor. */
  readonly options: AdamOptions;

  constructor(params: T, options: AdamOptions = {}) {
    validateAdam(options, false);
    super(params, adamInit(params, options));
    this.options = options;
  }

  /** Computes new params and state with {@link adamUpdate}. */
  protected update(params: T, grads: T, state: AdamState<T>) {
    return adamUpdate(params, grads, state, this.options, false);
  }
}

/** `torch.optim.AdamW` (decoupled weight decay, default 0.01) over a pytree of parameters. */
export class AdamW<T> extends Optimizer<T, AdamState<T>> {
  /** Hyperparameters passed to the constructor. */
  readonly options: AdamOptions;

  constructor(params: T, options: AdamOptions = {}) {
    validateAdam(options, true);
    super(params, adamInit(params, options));
    this.options = options;
  }

  /** Computes new params and state with {@link adamUpdate} and decoupled weight decay. */
  protected update(params: T, grads: T, state: AdamState<T>) {
    return adamUpdate(params, grads, state, this.options, true);
  }
}
