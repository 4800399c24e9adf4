import { withGradMode } from '../engine.js';
import { formatShape, GradError, InvalidArgumentError, ShapeError } from '../errors.js';
import { keep, tidy } from '../memory.js';
import { onesLike, zeros } from '../ops/creation.js';
import { add } from '../ops/elementwise.js';
import { batchMatmul } from '../ops/matmul.js';
import { alias } from '../ops/shape.js';
import { concat } from '../ops/slicing.js';
import { Tensor } from '../tensor.js';
import type { GradNode } from './node.js';

/** Options of `autograd.grad`, named as in `torch.autograd.grad`. */
export interface GradOptions {
  /** Cotangents for the outputs; a scalar output may leave its own out (ones). */
  gradOutputs?: readonly (Tensor | null | undefined)[];
  /** Record the backward pass too, so the gradients can be differentiated again. */
  createGraph?: boolean;
  /** Keep the graph usable for another backward pass; defaults to `createGraph`. */
  retainGraph?: boolean;
  /** Return null for an input the outputs do not depend on instead of raising an error. */
  allowUnused?: boolean;
  /** Names of the inputs, used in error messages (e.g. pytree paths). */
  inputNames?: readonly string[];
}

/** Tensors reachable from `outputs` through recorded ops, each after all its inputs. */
function topologicalOrder(outputs: readonly Tensor[]): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: [Tensor, boolean][] = outputs.map((t) => [t, false]);
  while (stack.length > 0) {
    const [t, expanded] = stack.pop()!;
    if (expanded) {
      order.push(t);
      continue;
    }
    if (visited.has(t)) continue;
    visited.add(t);
    stack.push([t, true]);
    for (const input of t.gradFn?.inputs ?? []) if (!visited.has(input)) stack.push([input, false]);
  }
  return order;
}

/**
 * Computes the gradients of `outputs` with respect to `inputs`, as `torch.autograd.grad`.
 * Each returned gradient has its input's shape; with `createGraph` it is itself differentiable.
 */
export function gradients(
  outputs: readonly Tensor[],
  inputs: readonly Tensor[],
  options: GradOptions = {},
): (Tensor | null)[] {
  const createGraph = options.createGraph ?? false;
  const retainGraph = options.retainGraph ?? createGraph;
  const name = (i: number) => options.inputNames?.[i] ?? `inputs[${i}]`;
  outputs.forEach((t, i) => {
    if (!(t instanceof Tensor))
      throw new InvalidArgumentError(`grad: outputs[${i}] is not a Tensor`);
    if (!t.requiresGrad) {
      throw new GradError(
        `grad: outputs[${i}] does not require grad: no input of the ops that produced it requires grad (was it computed under noGrad or from detached tensors?)`,
      );
    }
  });
  inputs.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new InvalidArgumentError(`grad: ${name(i)} is not a Tensor`);
    if (!t.requiresGrad) throw new GradError(`grad: ${name(i)} does not require grad`);
  });

  const result = tidy(() => {
    const order = topologicalOrder(outputs);
    const inputSet = new Set(inputs);
    // A tensor is on a gradient path when an input is among its ancestors (or is itself one).
    const onPath = new Set<Tensor>();
    for (const t of order) {
      if (inputSet.has(t) || t.gradFn?.inputs.some((x) => onPath.has(x))) onPath.add(t);
    }
    const grads = new Map<Tensor, Tensor>();
    outputs.forEach((t, i) => {
      const given = options.gradOutputs?.[i];
      let g: Tensor;
      if (given) {
        if (given.shape.join() !== t.shape.join()) {
          throw new ShapeError(
            `grad: gradOutputs[${i}] has shape ${formatShape(given.shape)}, expected the output's ${formatShape(t.shape)}`,
          );
        }
        g = given;
      } else {
        if (t.size !== 1) {
          throw new GradError(
            `grad: outputs[${i}] has shape ${formatShape(t.shape)}; a gradient can be implied only for a scalar output, so pass gradOutputs`,
          );
        }
        g = onesLike(t);
      }
      const previous = grads.get(t);
      grads.set(t, previous ? add(previous, g) : g);
    });

    // Gradient terms that are cheaper to compute together: those of the slices of one tensor
    // and those of the products that use one weight. They are kept apart until the tensor's
    // gradient is read.
    const deferred = new Map<Tensor, DeferredGradients>();
    const deferredOf = (x: Tensor): DeferredGradients => {
      let terms = deferred.get(x);
      if (!terms) {
        terms = { slices: [], products: [] };
        deferred.set(x, terms);
      }
      return terms;
    };
    const gradientOf = (t: Tensor): Tensor | undefined => {
      const terms = deferred.get(t);
      if (terms) {
        deferred.delete(t);
        const joined = withGradMode(createGraph, () => joinDeferredGradients(t, terms));
        const previous = grads.get(t);
        grads.set(t, previous ? add(previous, joined) : joined);
      }
      return grads.get(t);
    };

    const visited: Tensor[] = [];
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      const node = t.gradFn;
      const dy = gradientOf(t);
      if (!node || !dy) continue;
      // A freed node has no inputs left, so the path test below cannot see it. Check it first.
      // NOTE: a freed node reached only from a new graph (an output of an earlier, freed graph
      // used again without detach) gets no gradient, so the pass truncates there silently.
      if (node.released) {
        throw new GradError(
          `grad: the graph through ${node.name} was already freed by an earlier backward pass; pass retainGraph: true to the first one`,
        );
      }
      if (!node.inputs.some((x) => onPath.has(x))) continue;
      visited.push(t);
      // Every consumer of a tensor comes later in `order`, so all its deferred terms are in
      // by the time gradientOf reads them.
      if (node.sliceOf) {
        deferredOf(node.inputs[0]).slices.push({ node, dy });
        continue;
      }
      let inputGrads: readonly (Tensor | null | undefined)[];
      const product = node.productOf;
      if (product && onPath.has(node.inputs[1])) {
        const factors = withGradMode(createGraph, () => product.factors(dy, node.inputs));
        deferredOf(node.inputs[1]).products.push(factors);
        const first = onPath.has(node.inputs[0])
          ? withGradMode(createGraph, () => product.first(dy, node.inputs))
          : null;
        inputGrads = [first, null];
      } else {
        const needed = node.inputs.map((x) => onPath.has(x));
        inputGrads = withGradMode(createGraph, () =>
          node.backward(dy, node.inputs, node.saved, needed),
        );
      }
      node.inputs.forEach((x, i) => {
        const g = inputGrads[i];
        if (!g || !onPath.has(x)) return;
        if (g.shape.join() !== x.shape.join()) {
          throw new ShapeError(
            `grad: the backward of ${node.name} returned shape ${formatShape(g.shape)} for input ${i}, expected ${formatShape(x.shape)} (a bug in that op's gradient)`,
          );
        }
        const previous = grads.get(x);
        grads.set(x, previous ? add(previous, g) : g);
      });
    }
    if (!retainGraph) {
      for (const t of visited) {
        const node = t.gradFn!;
        node.released = true;
        node.inputs = [];
        node.saved = [];
      }
    }
    // The loop has read the gradient of every tensor in `order`, so no deferred terms remain.
    return inputs.map((x) => grads.get(x) ?? null);
  });

  // A backward may hand the same tensor to several inputs (add does); give each its own handle,
  // so that disposing one gradient leaves the others intact.
  const handedOut = new Set<Tensor>(options.gradOutputs?.filter((g): g is Tensor => !!g));
  return result.map((g, i) => {
    if (g) {
      if (!handedOut.has(g)) {
        handedOut.add(g);
        return g;
      }
      return withGradMode(createGraph, () => alias(g));
    }
    if (options.allowUnused) return null;
    throw new GradError(
      `grad: ${name(i)} received no gradient: the outputs do not depend on it. Check that it is used in the computation, or pass allowUnused: true`,
    );
  });
}

/** The gradient of a slice's output, with the slice's node. */
interface SliceGradient {
  node: GradNode;
  dy: Tensor;
}

/** Deferred gradient terms of one tensor: slices of it and [left, right] factors of products. */
interface DeferredGradients {
  slices: SliceGradient[];
  products: [Tensor, Tensor][];
}

/** Computes the gradient of `x` from its deferred terms. */
function joinDeferredGradients(x: Tensor, terms: DeferredGradients): Tensor {
  const sums: Tensor[] = [];
  if (terms.slices.length > 0) sums.push(joinSliceGradients(x, terms.slices));
  if (terms.products.length > 0) {
    // The sum of left_k^T right_k over all products k is one product of the stacked factors.
    const lefts = terms.products.map(([left]) => left);
    const rights = terms.products.map(([, right]) => right);
    sums.push(batchMatmul(concat(lefts, 0), concat(rights, 0), true, false));
  }
  return sums.reduce((sum, term) => add(sum, term));
}

/**
 * Computes the gradient of `x` from the gradients of slices of it. Slices along one axis that do
 * not overlap are joined by one concat, with zeros for the gaps between them. A slice alone on
 * its axis, or one that overlaps another, is padded to full size by its own backward instead.
 * The results of the axes and those pads are added.
 */
function joinSliceGradients(x: Tensor, parts: readonly SliceGradient[]): Tensor {
  const padded = (part: SliceGradient): Tensor =>
    part.node.backward(part.dy, part.node.inputs, part.node.saved)[0]!;
  const byAxis = new Map<number, SliceGradient[]>();
  for (const part of parts) {
    const axis = part.node.sliceOf!.axis;
    const group = byAxis.get(axis);
    if (group) group.push(part);
    else byAxis.set(axis, [part]);
  }

  const terms: Tensor[] = [];
  for (const [axis, group] of byAxis) {
    if (group.length === 1) {
      terms.push(padded(group[0]));
      continue;
    }
    group.sort((p, q) => p.node.sliceOf!.start - q.node.sliceOf!.start);
    const pieces: Tensor[] = [];
    const gap = (length: number): Tensor => {
      const shape = [...x.shape];
      shape[axis] = length;
      return zeros(shape, { dtype: group[0].dy.dtype, backend: group[0].dy.backend });
    };
    let end = 0;
    for (const part of group) {
      const start = part.node.sliceOf!.start;
      if (start < end) {
        terms.push(padded(part));
        continue;
      }
      if (start > end) pieces.push(gap(start - end));
      pieces.push(part.dy);
      end = start + part.dy.shape[axis];
    }
    if (end < x.shape[axis]) pieces.push(gap(x.shape[axis] - end));
    terms.push(concat(pieces, axis));
  }
  return terms.reduce((sum, term) => add(sum, term));
}

/**
 * Accumulates the gradient of `output` into `.grad` of every leaf that requires grad, as
 * `torch.Tensor.backward`.
 */
export function backward(
  output: Tensor,
  gradOutput?: Tensor,
  options: { retainGraph?: boolean; createGraph?: boolean } = {},
): void {
  const leaves = topologicalOrder([output]).filter((t) => t.isLeaf && t.requiresGrad);
  if (leaves.length === 0) {
    throw new GradError('backward: the output does not depend on any tensor that requires grad');
  }
  const grads = gradients([output], leaves, {
    gradOutputs: gradOutput ? [gradOutput] : undefined,
    createGraph: options.createGraph,
    retainGraph: options.retainGraph,
    allowUnused: true,
  });
  leaves.forEach((leaf, i) => {
    const g = grads[i];
    if (!g) return;
    const previous = leaf.grad;
    leaf.grad = keep(previous ? add(previous, g) : g);
    if (previous && !options.createGraph) {
      previous.dispose();
      g.dispose();
    }
  });
}
