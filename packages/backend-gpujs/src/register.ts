import type { GpujsMode } from './backend.js';
import { registerGpujsBackend } from './index.js';

// In Node, METAGRAD_GPUJS_MODE picks the mode (e.g. webasm under an X display, where the best
// available mode would be headlessgl); elsewhere gpu.js picks the best available mode.
const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
const mode = env?.METAGRAD_GPUJS_MODE as GpujsMode | undefined;

registerGpujsBackend(mode ? { mode } : {});
