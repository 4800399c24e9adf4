import '../src/register.js';
import {
  autograd,
  dispose,
  exp,
  Generator,
  keep,
  matmul,
  mean,
  memory,
  mul,
  noGrad,
  randn,
  reshape,
  square,
  sub,
  sum,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from '@metagrad/core';
import { describe, expect, it } from 'vitest';

describe('memory', () => {
  it('should count live tensors and bytes', () => {
    const before = memory();
    const a = zeros([10], { dtype: 'float64' });
    const b = tensor([1, 2, 3]);
    const c = tensor([true, false]);
    const during = memory();
    expect(during.numTensors - before.numTensors).toBe(3);
    expect(during.numBytes - before.numBytes).toBe(80 + 12 + 2);
    expect(during.backends.cpu.numTensors - before.backends.cpu.numTensors).toBe(3);
    dispose([a, { b, c }]);
    const after = memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
  });

  it('should share storage between a reshape and its source', () => {
    const before = memory();
    const a = zeros([2, 3]);
    const b = reshape(a, [3, 2]);
    expect(memory().numTensors - before.numTensors).toBe(2);
    expect(memory().numDataBuffers - before.numDataBuffers).toBe(1);
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    b.dispose();
    expect(memory().numBytes).toBe(before.numBytes);
  });

  it('should free the intermediates of tidy without a graph', () => {
    const x = tensor([1, 2, 3], { dtype: 'float64' });
    const before = memory().numTensors;
    const y = noGrad(() => tidy(() => sum(exp(mul(x, 2)))));
    expect(memory().numTensors).toBe(before + 1);
    expect(y.isDisposed).toBe(false);
  });

  it('should keep what the returned graph needs, so a backward after tidy works', () => {
    const x = tensor([0.5, -1, 2], { dtype: 'float64', requiresGrad: true });
    let unused: Tensor | null = null;
    const y = tidy(() => {
      unused = zeros([5]);
      return sum(exp(mul(x, 2)));
    });
    expect(unused!.isDisposed).toBe(true);
    expect(y.gradFn?.inputs.every((t) => !t.isDisposed)).toBe(true);
    const [g] = autograd.grad(y, x);
    const want = [0.5, -1, 2].map((v) => 2 * Math.exp(2 * v));
    Array.from(g!.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i], 12));
  });

  it('should keep tensors passed to keep and free the rest', () => {
    let keptTensor: Tensor | null = null;
    let droppedTensor: Tensor | null = null;
    tidy(() => {
      keptTensor = keep(tensor([1]));
      droppedTensor = tensor([2]);
    });
    expect(keptTensor!.isDisposed).toBe(false);
    expect(droppedTensor!.isDisposed).toBe(true);
  });

  it('should free the scope when fn raises', () => {
    const before = memory().numTensors;
    expect(() =>
      tidy(() => {
        tensor([1, 2]);
        throw new Error('failure inside tidy');
      }),
    ).toThrow('failure inside tidy');
    expect(memory().numTensors).toBe(before);
  });

  it('should keep the live tensor count flat over 30 training steps', () => {
    const gen = new Generator(3);
    const x = randn([16, 4], { dtype: 'float64', generator: gen });
    const target = randn([16, 1], { dtype: 'float64', generator: gen });
    let w = randn([4, 1], { dtype: 'float64', generator: gen });
    let b = zeros([1], { dtype: 'float64' });
    const counts: number[] = [];
    const losses: number[] = [];
    for (let step = 0; step < 30; step++) {
      const [nextW, nextB, loss] = tidy(() => {
        w.requiresGrad = true;
        b.requiresGrad = true;
        const l = mean(square(sub(matmul(x, w).add(b), target)));
        const [gw, gb] = autograd.grad(l, [w, b]);
        return noGrad(() => [sub(w, mul(gw!, 0.1)), sub(b, mul(gb!, 0.1)), l.detach()]);
      });
      dispose([w, b]);
      w = nextW;
      b = nextB;
      losses.push(loss.item());
      loss.dispose();
      counts.push(memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    expect(losses[29]).toBeLessThan(losses[0]);
  });
});
