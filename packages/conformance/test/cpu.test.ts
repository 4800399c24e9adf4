import { describeConformance } from '../src/vitest.js';

// The whole suite on the reference backend, including the cases beyond a 16384-texel texture.
describeConformance('cpu', { oversizeDim: 16385 });
