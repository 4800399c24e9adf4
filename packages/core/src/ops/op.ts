import type { BackwardFn } from '../autograd/node.js';
import { isFloating } from '../dtype.js';
import { commonBackend, engineState, isGradEnabled, withGradMode } from '../engine.js';
import { GradError } from '../errors.js';
import type { Tensor } from '../tensor.js';

/** Options of {@link defineOp}. */
export interface OpOptions {
  /** Whether the backward reads the output (as exp's does); it arrives as `saved[0]`. */
  saveOutput?: boolean;
  /** Extra tensors the backward reads, after the output when `saveOutput` is set. */
  saved?: readonly Tensor[];
}

/**
 * Runs an op's forward computation without recording it, then records one graph node for the
 * whole op when gradients are on and an input requires them. With anomaly mode on, it raises
 * an error naming the op when the output holds a NaN or infinity that no input held.
 */
export function defineOp(
  name: string,
  inputs: readonly Tensor[],
  forward: () => Tensor,
  backward: BackwardFn | null,
  options: OpOptions = {},
): Tensor {
  commonBackend(name, inputs);
  const out = withGradMode(false, forward);
  if (engineState().anomalyMode) checkAnomaly(name, inputs, out);
  if (backward !== null && isGradEnabled() && inputs.some((t) => t.requiresGrad)) {
    const saved = [...(options.saveOutput ? [out] : []), ...(options.saved ?? [])];
    out.gradFn = { name, inputs: [...inputs], saved, backward, released: false };
  }
  return out;
}

function hasNonFinite(t: Tensor): boolean {
  if (!isFloating(t.dtype)) return false;
  const values = t.dataSync();
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return true;
  return false;
}

function checkAnomaly(name: string, inputs: readonly Tensor[], out: Tensor): void {
  if (!hasNonFinite(out) || inputs.some(hasNonFinite)) return;
  const values = out.dataSync();
  const index = values.findIndex((v) => !Number.isFinite(v));
  throw new GradError(
    `anomaly: ${name} produced ${values[index]} at flat index ${index} of its output ` +
      `(shape [${out.shape.join(', ')}]) from finite inputs`,
  );
}
