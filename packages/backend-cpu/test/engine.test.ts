import '../src/register.js';
import {
  add,
  autograd,
  type Backend,
  BackendError,
  type DataId,
  DisposedTensorError,
  exp,
  getBackend,
  listBackends,
  mul,
  registerBackend,
  removeBackend,
  setBackend,
  sum,
  type TypedArray,
  tensor,
} from '@metagrad/core';
import { afterEach, describe, expect, it } from 'vitest';
import { registerCpuBackend } from '../src/index.js';

/** Creates a backend that stores data but implements no kernels. */
function storageOnlyBackend(name: string): Backend {
  return {
    name,
    supportsFloat64: true,
    write: (values: TypedArray): DataId => ({ values }),
    read: async (dataId: DataId) => (dataId as { values: TypedArray }).values.slice(),
    readSync: (dataId: DataId) => (dataId as { values: TypedArray }).values.slice(),
    disposeData: () => {},
  };
}

describe('engine', () => {
  afterEach(() => {
    for (const name of listBackends()) if (name !== 'cpu') removeBackend(name);
    setBackend('cpu');
  });

  it('should register cpu as the active backend', () => {
    expect(listBackends()).toContain('cpu');
    expect(getBackend()).toBe('cpu');
  });

  it('should name the op and the backends that have a missing kernel', () => {
    registerBackend(storageOnlyBackend('test-no-kernels'));
    const t = tensor([1, 2], { dtype: 'float32', backend: 'test-no-kernels' });
    expect(t.backend).toBe('test-no-kernels');
    expect(() => exp(t)).toThrow(BackendError);
    expect(() => exp(t)).toThrow(
      "exp: backend 'test-no-kernels' has no kernel 'Unary' (backends with it: 'cpu')",
    );
  });

  it('should forget a removed backend', () => {
    registerBackend(storageOnlyBackend('test-removed'));
    removeBackend('test-removed');
    expect(listBackends()).not.toContain('test-removed');
    expect(() => tensor([1], { backend: 'test-removed' })).toThrow(
      /no backend named 'test-removed'/,
    );
  });

  it('should raise for tensors of two backends in one op, naming both', () => {
    registerCpuBackend('test-second-cpu');
    const a = tensor([1, 2]);
    const b = tensor([3, 4], { backend: 'test-second-cpu' });
    expect(() => add(a, b)).toThrow(BackendError);
    expect(() => add(a, b)).toThrow(
      /input 0 is on backend 'cpu' but input 1 is on 'test-second-cpu'/,
    );
  });

  it('should move a tensor with to() and send the gradient back', () => {
    registerCpuBackend('test-second-cpu');
    const x = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const moved = x.to('test-second-cpu');
    expect(moved.backend).toBe('test-second-cpu');
    const y = sum(mul(moved, moved));
    const [g] = autograd.grad(y, x);
    expect(g?.backend).toBe('cpu');
    expect(Array.from(g!.dataSync())).toEqual([2, 4]);
  });

  it('should raise a registration under a taken name', () => {
    expect(() => registerBackend(storageOnlyBackend('cpu'))).toThrow(/already registered/);
  });

  it('should raise setBackend of an unknown name, listing the registered ones', () => {
    expect(() => setBackend('no-such-backend')).toThrow(BackendError);
    expect(() => setBackend('no-such-backend')).toThrow(
      /no backend named 'no-such-backend' is registered \(registered: 'cpu'\)/,
    );
    expect(getBackend()).toBe('cpu');
  });

  it('should switch the backend new tensors are created on', () => {
    registerCpuBackend('test-second-cpu');
    setBackend('test-second-cpu');
    expect(tensor([1]).backend).toBe('test-second-cpu');
  });

  it('should raise on use of a disposed tensor', () => {
    const t = tensor([1, 2]);
    t.dispose();
    expect(t.isDisposed).toBe(true);
    expect(() => exp(t)).toThrow(DisposedTensorError);
    expect(() => exp(t)).toThrow(/exp: input 0 .* was disposed/);
    expect(() => t.dataSync()).toThrow(DisposedTensorError);
    expect(() => t.detach()).toThrow(DisposedTensorError);
    expect(String(t)).toBe('tensor(<disposed>, shape=[2])');
    t.dispose();
  });
});
