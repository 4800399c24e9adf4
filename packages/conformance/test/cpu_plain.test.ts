import { setCpuOptions } from '@metagrad/backend-cpu';
import { describeConformance } from '../src/vitest.js';

// The whole suite again on the CPU backend's JavaScript loops: no WebAssembly SIMD and one
// thread, so both code paths are certified. Vitest runs each test file in its own worker, so
// these options do not reach the other files.
const options = setCpuOptions({ simd: false, threads: 1 });
if (options.simd) throw new Error('setCpuOptions({ simd: false }) left SIMD on');
describeConformance('cpu', { oversizeDim: 16385 });
