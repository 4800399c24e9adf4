import { isGradEnabled, makeTensor } from '../engine.js';
import { GradError, InvalidArgumentError } from '../errors.js';
import { zerosLike } from '../ops/creation.js';
import { defineOp } from '../ops/op.js';
import { flattenTree, unflattenTree } from '../pytree.js';
import { Tensor } from '../tensor.js';
import { gradients } from './backward.js';

/** Options of {@link grad} and {@link valueAndGrad}. */
export interface FunctionalGradOptions {
  /** Which positional argument(s) to differentiate with respect to (default 0). */
  argnums?: number | readonly number[];
  /** Give zeros to a leaf the output does not depend on, instead of raising an error. */
  allowUnused?: boolean;
  /** `fn` returns [output, aux]; aux is passed through without being differentiated. */
  hasAux?: boolean;
  /** The name of each differentiated argument in error messages (default `params`, `args[1]`, ...). */
  argNames?: readonly string[];
}

/** Any function; {@link grad} and {@link valueAndGrad} differentiate its tensor arguments. */
export type Fn = (...args: any[]) => any;

/** A leaf that stands for `x` inside `fn`: gradients stop at it, and flow on to `x` when `x` is in an outer graph. */
function traceInput(x: Tensor): Tensor {
  if (x.requiresGrad) {
    return defineOp(
      'grad-input',
      [x],
      () => makeTensor({ dataId: x.dataId, shape: x.shape, dtype: x.dtype }, x.backend),
      (dy) => [dy],
    );
  }
  const leaf = makeTensor({ dataId: x.dataId, shape: x.shape, dtype: x.dtype }, x.backend);
  leaf.requiresGrad = true;
  return leaf;
}

/** Whether the graph of `out` reaches a tensor that requires grad other than through `traced`. */
function dependsOnOuterGraph(out: Tensor, traced: Set<Tensor>): boolean {
  const seen = new Set<Tensor>();
  const stack = [out];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    if (traced.has(t)) {
      if (t.gradFn) return true;
      continue;
    }
    if (!t.gradFn) {
      if (t.requiresGrad) return true;
      continue;
    }
    stack.push(...t.gradFn.inputs);
  }
  return false;
}

function argName(options: FunctionalGradOptions, argnum: number, position: number): string {
  return options.argNames?.[position] ?? (argnum === 0 ? 'params' : `args[${argnum}]`);
}

/**
 * Returns a function that computes `fn`'s value and its gradient with respect to argument(s)
 * `argnums`, as pytrees shaped like those arguments. Called inside another differentiation
 * (an outer `grad`, or with inputs that require grad), it records its own backward pass so
 * that the outer one differentiates through it: nested calls give higher-order gradients.
 */
export function valueAndGrad<F extends Fn>(
  fn: F,
  options: FunctionalGradOptions = {},
): (...args: Parameters<F>) => [ReturnType<F>, any] {
  const argnums = options.argnums ?? 0;
  const list = typeof argnums === 'number' ? [argnums] : [...argnums];
  return (...args: Parameters<F>) => {
    const tracedArgs = [...args] as unknown[];
    const flats = list.map((argnum, position) => {
      if (argnum >= args.length) {
        throw new InvalidArgumentError(
          `grad: argnums lists argument ${argnum}, but the function got ${args.length} arguments`,
        );
      }
      const { leaves, paths } = flattenTree(args[argnum], argName(options, argnum, position));
      if (leaves.length === 0) {
        throw new InvalidArgumentError(
          `grad: argument ${argnum} contains no tensors to differentiate with respect to`,
        );
      }
      const traced = leaves.map(traceInput);
      tracedArgs[argnum] = unflattenTree(args[argnum], traced);
      return { leaves, paths, traced };
    });
    const returned = fn(...tracedArgs);
    const [out, aux] = options.hasAux
      ? (returned as [Tensor, unknown])
      : [returned as Tensor, undefined];
    if (!(out instanceof Tensor) || out.size !== 1) {
      throw new GradError(
        `grad: the function must return a scalar tensor${options.hasAux ? ' as the first element of [output, aux]' : ''}, got ${out instanceof Tensor ? `shape [${out.shape.join(', ')}]` : typeof out}`,
      );
    }
    const traced = flats.flatMap((f) => f.traced);
    const paths = flats.flatMap((f) => f.paths);
    const createGraph = isGradEnabled() && dependsOnOuterGraph(out, new Set(traced));
    let grads: (Tensor | null)[];
    if (!out.requiresGrad) grads = traced.map(() => null);
    else grads = gradients([out], traced, { createGraph, allowUnused: true, inputNames: paths });
    const filled = grads.map((g, i) => {
      if (g) return g;
      if (!options.allowUnused) {
        throw new GradError(
          `grad: ${paths[i]} received no gradient: the output does not depend on it (is the weight used in the computation?). Pass allowUnused: true to get zeros instead`,
        );
      }
      return zerosLike(traced[i]);
    });
    if (!createGraph) for (const t of traced) if (t.isLeaf) t.dispose();
    let at = 0;
    const trees = flats.map((f, k) => {
      const part = filled.slice(at, at + f.leaves.length);
      at += f.leaves.length;
      return unflattenTree(args[list[k]], part);
    });
    const gradTree = typeof argnums === 'number' ? trees[0] : trees;
    const value = options.hasAux ? [out, aux] : out;
    return [value as ReturnType<F>, gradTree];
  };
}

/** Returns a function that computes the gradient of `fn` (see {@link valueAndGrad}). */
export function grad<F extends Fn>(
  fn: F,
  options: FunctionalGradOptions = {},
): (...args: Parameters<F>) => any {
  const inner = valueAndGrad(fn, options);
  return (...args: Parameters<F>) => {
    const [value, g] = inner(...args);
    if (options.hasAux) return [g, (value as unknown as [Tensor, unknown])[1]];
    return g;
  };
}

/**
 * Defines an op from a forward and a backward, both written with ops. The forward runs
 * without recording. The backward receives the output's gradient, the inputs, the output and
 * `needed`, and returns one gradient (or null) per input. `needed[i]` is false when the backward
 * pass discards input i's gradient, as PyTorch's `ctx.needs_input_grad`. Because the backward
 * is made of ops, the custom op can be differentiated to any order.
 */
export function customGrad(
  forward: (...inputs: Tensor[]) => Tensor,
  backward: (
    dy: Tensor,
    inputs: readonly Tensor[],
    output: Tensor,
    needed: readonly boolean[],
  ) => readonly (Tensor | null)[],
  name = 'customGrad',
): (...inputs: Tensor[]) => Tensor {
  return (...inputs: Tensor[]) =>
    defineOp(
      name,
      inputs,
      () => forward(...inputs),
      (dy, xs, [y], needed) => {
        const grads = backward(dy, xs, y, needed ?? xs.map(() => true));
        if (grads.length !== xs.length) {
          throw new GradError(
            `${name}: the backward returned ${grads.length} gradients for ${xs.length} inputs`,
          );
        }
        return grads;
      },
      { saveOutput: true },
    );
}
