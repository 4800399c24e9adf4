import { registerCpuBackend } from './index.js';

registerCpuBackend();
