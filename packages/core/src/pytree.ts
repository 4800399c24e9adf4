import { InvalidArgumentError } from './errors.js';
import { Tensor } from './tensor.js';

/** Nested records and arrays whose leaves are tensors (other leaf values are carried along). */
export type PyTree<T = Tensor> = T | readonly PyTree<T>[] | { readonly [key: string]: PyTree<T> };

/** A pytree with every tensor leaf replaced by a value of type U. */
export type MapTree<T, U> = T extends Tensor
  ? U
  : T extends readonly unknown[]
    ? { [K in keyof T]: MapTree<T[K], U> }
    : T extends object
      ? { [K in keyof T]: MapTree<T[K], U> }
      : T;

function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype
  );
}

/** The tensor leaves of a pytree in a fixed order, with their dotted paths (`lstm.weight_ih_l0`, `layers.0`). */
export function flattenTree(
  tree: unknown,
  prefix = '',
): {
  /** Tensor leaves, in traversal order. */
  leaves: Tensor[];
  /** Dotted path of each leaf, aligned with `leaves`. */
  paths: string[];
} {
  const leaves: Tensor[] = [];
  const paths: string[] = [];
  const visit = (node: unknown, path: string): void => {
    if (node instanceof Tensor) {
      leaves.push(node);
      paths.push(path);
    } else if (Array.isArray(node)) {
      node.forEach((item, i) => visit(item, path ? `${path}.${i}` : String(i)));
    } else if (isRecord(node)) {
      for (const key of Object.keys(node)) visit(node[key], path ? `${path}.${key}` : key);
    }
  };
  visit(tree, prefix);
  return { leaves, paths };
}

/** Rebuilds `tree` with its tensor leaves replaced, in `flattenTree` order, by `leaves`. */
export function unflattenTree<T>(tree: T, leaves: readonly unknown[]): T {
  let at = 0;
  const build = (node: unknown): unknown => {
    if (node instanceof Tensor) return leaves[at++];
    if (Array.isArray(node)) return node.map(build);
    if (isRecord(node)) {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(node)) out[key] = build(node[key]);
      return out;
    }
    return node;
  };
  const out = build(tree);
  if (at !== leaves.length) {
    throw new InvalidArgumentError(
      `unflattenTree: the tree has ${at} tensor leaves but ${leaves.length} values were given`,
    );
  }
  return out as T;
}

/** Applies `fn` to every tensor leaf (with its path), keeping the structure. */
export function mapTree<T, U>(tree: T, fn: (leaf: Tensor, path: string) => U): MapTree<T, U> {
  const { leaves, paths } = flattenTree(tree);
  return unflattenTree(
    tree,
    leaves.map((leaf, i) => fn(leaf, paths[i])),
  ) as MapTree<T, U>;
}

/**
 * Applies `fn` to matching leaves of several trees of one structure, as `jax.tree.map` does.
 * The trees must have the same paths.
 */
export function zipTrees<T>(
  trees: readonly T[],
  fn: (leaves: Tensor[], path: string) => Tensor,
): T {
  const flat = trees.map((t) => flattenTree(t));
  const [first] = flat;
  flat.forEach((f, k) => {
    if (f.paths.join('|') !== first.paths.join('|')) {
      throw new InvalidArgumentError(
        `zipTrees: tree ${k} has leaves [${f.paths.join(', ')}], expected tree 0's [${first.paths.join(', ')}]`,
      );
    }
  });
  const leaves = first.leaves.map((_, i) =>
    fn(
      flat.map((f) => f.leaves[i]),
      first.paths[i],
    ),
  );
  return unflattenTree(trees[0], leaves);
}
