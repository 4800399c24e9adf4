import type { System } from '../system.js';
import { packageVersion } from '../versions.js';
import { jaxSystem } from './jax.js';
import { jsPytorchSystem } from './js_pytorch.js';
import { metagradCpu } from './metagrad.js';
import type { SystemName } from './names.js';
import { tfjsSystem } from './tfjs.js';

/** The systems by name. A factory sets up its library or raises the reason it cannot. */
export const SYSTEM_FACTORIES: Record<SystemName, () => Promise<System>> = {
  'metagrad-cpu': async () => metagradCpu(packageVersion('@metagrad/core')),
  'jax-js-eager': () => jaxSystem(false),
  'jax-js-jit': () => jaxSystem(true),
  'tfjs-cpu': () => tfjsSystem('cpu'),
  'tfjs-wasm': () => tfjsSystem('wasm'),
  'js-pytorch': () => jsPytorchSystem(),
};
