/** The names of the benchmarked systems, in table order (kept apart so the CLI loads no library). */
export const SYSTEM_NAMES = [
  'metagrad-cpu',
  'jax-js-eager',
  'jax-js-jit',
  'tfjs-cpu',
  'tfjs-wasm',
  'js-pytorch',
] as const;

export type SystemName = (typeof SYSTEM_NAMES)[number];
