import { BackendError, DTypeError, type KernelImpl, memory, tensor } from '@metagrad/core';
import { describe, expect, it } from 'vitest';
import { GpujsBackend, gpujsKernels, registerGpujsBackend } from '../src/index.js';
import { runSelfTest } from '../src/self_test.js';
import { openTiers } from './helpers/tiers.js';

const [webasm, headlessgl] = openTiers();

describe('mode reporting', () => {
  it('should report the mode that runs', () => {
    expect(webasm.backend!.mode).toBe('webasm');
    expect(webasm.backend!.gpu.Kernel.name).toBe('WebAssemblyKernel');
    expect(webasm.backend!.isGL).toBe(false);
  });

  it('should reject webgl2 in Node with the reason', () => {
    expect(() => registerGpujsBackend({ mode: 'webgl2', name: 'gpujs-webgl2' })).toThrow(
      /gpu.js mode 'webgl2' is not available.*browser/,
    );
  });

  it.runIf(headlessgl.backend)('should run headlessgl on GL textures', () => {
    expect(headlessgl.backend!.mode).toBe('headlessgl');
    expect(headlessgl.backend!.isGL).toBe(true);
  });

  it.runIf(!headlessgl.backend)('should say how to enable headlessgl', () => {
    expect(headlessgl.unavailable).toMatch(/xvfb-run -a/);
    expect(headlessgl.unavailable).toMatch(/rebuild gl/);
  });

  it('should reject a second mode under a registered name', () => {
    expect(() => registerGpujsBackend({ mode: 'cpu', name: webasm.backend!.name })).toThrow(
      /already runs mode 'webasm'/,
    );
  });
});

describe('storage', () => {
  it('should not store float64', () => {
    expect(webasm.backend!.supportsFloat64).toBe(false);
    expect(() => tensor([1, 2], { dtype: 'float64', backend: webasm.backend!.name })).toThrow(
      DTypeError,
    );
  });

  it('should round-trip int32 and bool', () => {
    const name = webasm.backend!.name;
    expect(
      Array.from(tensor([-7, 0, 16777216], { dtype: 'int32', backend: name }).dataSync()),
    ).toEqual([-7, 0, 16777216]);
    expect(Array.from(tensor([true, false], { backend: name }).dataSync())).toEqual([1, 0]);
  });

  it('memory() should include the transfer counters', () => {
    const entry = memory().backends[webasm.backend!.name];
    for (const key of ['uploads', 'readbacks', 'textures', 'kernelsCompiled', 'kernelCacheSize']) {
      expect(entry).toHaveProperty(key);
    }
  });
});

describe('start-up self-test', () => {
  it('should reject a backend whose kernels compute wrong results', () => {
    const subtracting: KernelImpl<'Binary'> = (inputs, _, backend) =>
      gpujsKernels.Binary(inputs, { op: 'sub' }, backend);
    const backend = new GpujsBackend({ mode: 'cpu', name: 'gpujs-broken' });
    expect(() => runSelfTest(backend, { ...gpujsKernels, Binary: subtracting })).toThrow(
      BackendError,
    );
    expect(() => runSelfTest(backend, { ...gpujsKernels, Binary: subtracting })).toThrow(
      /Binary add with broadcasting gave \[-9, -18/,
    );
    backend.dispose();
  });

  it('should pass and leave no transfers counted', () => {
    const backend = new GpujsBackend({ mode: 'cpu', name: 'gpujs-self-test' });
    runSelfTest(backend, gpujsKernels);
    expect(backend.stats().uploads).toBe(0);
    expect(backend.stats().readbacks).toBe(0);
    expect(backend.stats().textures).toBe(0);
    backend.dispose();
  });
});
