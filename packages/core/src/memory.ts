import { engineState } from './engine.js';
import { InvalidArgumentError } from './errors.js';
import { Tensor } from './tensor.js';

/**
 * Runs `fn` and frees every tensor it created, except the tensors it returns (anywhere in a
 * returned pytree), the tensors that their graphs still need for a backward pass, and tensors
 * passed to `keep`. `fn` must be synchronous.
 */
export function tidy<T>(fn: () => T): T {
  const state = engineState();
  const scope = new Set<Tensor>();
  state.scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    state.scopes.splice(state.scopes.indexOf(scope), 1);
    for (const t of scope) t.dispose();
    throw error;
  }
  state.scopes.splice(state.scopes.indexOf(scope), 1);
  if (result instanceof Promise) {
    throw new InvalidArgumentError('tidy: fn must be synchronous, but it returned a Promise');
  }
  const needed = reachableTensors(collectTensors(result));
  const parent = state.scopes.at(-1);
  for (const t of scope) {
    if (needed.has(t)) parent?.add(t);
    else t.dispose();
  }
  return result;
}

/** Exempts `t` from disposal by the enclosing `tidy` scopes, and returns it. */
export function keep<T extends Tensor>(t: T): T {
  for (const scope of engineState().scopes) scope.delete(t);
  return t;
}

/** Disposes every tensor in a pytree (nested records and arrays). */
export function dispose(tree: unknown): void {
  for (const t of collectTensors(tree)) t.dispose();
}

/** Every tensor in a pytree of records, arrays and maps. */
export function collectTensors(tree: unknown, out: Tensor[] = []): Tensor[] {
  if (tree instanceof Tensor) out.push(tree);
  else if (Array.isArray(tree)) for (const item of tree) collectTensors(item, out);
  else if (tree instanceof Map) for (const item of tree.values()) collectTensors(item, out);
  else if (
    tree !== null &&
    typeof tree === 'object' &&
    Object.getPrototypeOf(tree) === Object.prototype
  ) {
    for (const item of Object.values(tree)) collectTensors(item, out);
  }
  return out;
}

/** The tensors themselves plus everything their recorded graphs reference. */
function reachableTensors(roots: Tensor[]): Set<Tensor> {
  const seen = new Set<Tensor>();
  const stack = [...roots];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    if (t.grad) stack.push(t.grad);
    const node = t.gradFn;
    if (node) stack.push(...node.inputs, ...node.saved);
  }
  return seen;
}
