import '@metagrad/backend-cpu/register';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromTypedArray, grad, memory, type Tensor, tensor, tidy } from '@metagrad/core';
import { describe, expect, it } from 'vitest';
import { Adam, AdamW, clipGradNorm, SGD, sgdStep } from '../src/index.js';

interface FixtureTensor {
  shape: number[];
  data: number[];
}

interface OptimCase {
  name: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW';
  options: Record<string, unknown>;
  params: FixtureTensor[];
  grads: FixtureTensor[][];
  steps: FixtureTensor[][];
}

interface ClipCase {
  maxNorm: number;
  normType: number | 'inf';
  grads: FixtureTensor[];
  clipped: FixtureTensor[];
  totalNorm: number;
}

const fixture = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../../fixtures/optim.json', import.meta.url)), 'utf8'),
) as { cases: OptimCase[]; clip: ClipCase[] };

const toTensor = (t: FixtureTensor): Tensor =>
  fromTypedArray(Float64Array.from(t.data), t.shape, 'float64');

function maxRelativeError(got: Tensor, want: FixtureTensor): number {
  const values = got.dataSync();
  let diff = 0;
  let norm = 0;
  want.data.forEach((w, i) => {
    diff += (values[i] - w) ** 2;
    norm += w ** 2;
  });
  return Math.sqrt(diff) / Math.sqrt(norm);
}

describe('optimizers against torch.optim (float64, three steps)', () => {
  for (const c of fixture.cases) {
    it(c.name, () => {
      const Optimizer = { SGD, Adam, AdamW }[c.optimizer];
      const optimizer = new Optimizer(c.params.map(toTensor), c.options as never);
      c.grads.forEach((grads, step) => {
        const params = optimizer.step(grads.map(toTensor)) as Tensor[];
        params.forEach((p, i) => {
          expect(
            maxRelativeError(p, c.steps[step][i]),
            `step ${step + 1}, param ${i}`,
          ).toBeLessThan(1e-12);
        });
      });
      optimizer.dispose();
    });
  }

  it('keeps the live tensor count flat over many steps', () => {
    const optimizer = new Adam([tensor([1, 2, 3], { dtype: 'float64' })], { amsgrad: true });
    const counts: number[] = [];
    for (let i = 0; i < 20; i++) {
      tidy(() => {
        optimizer.step([tensor([0.1, -0.2, 0.3], { dtype: 'float64' })]);
      });
      counts.push(memory().numTensors);
    }
    expect(counts[19]).toBe(counts[2]);
    optimizer.dispose();
  });

  it('rejects invalid hyperparameters with the option named', () => {
    const params = [tensor([1, 2], { dtype: 'float64' })];
    expect(() => new SGD(params, { lr: -1 })).toThrow('SGD: lr must be >= 0, got -1');
    expect(() => new SGD(params, { lr: 0.1, nesterov: true })).toThrow(
      'nesterov needs momentum > 0',
    );
    expect(() => new Adam(params, { betas: [1, 0.999] })).toThrow(
      'Adam: betas[0] must be in [0, 1), got 1',
    );
    expect(() => new AdamW(params, { eps: -1 })).toThrow('AdamW: eps must be >= 0');
  });
});

describe('clipGradNorm against torch.nn.utils.clip_grad_norm_', () => {
  for (const c of fixture.clip) {
    it(`maxNorm=${c.maxNorm} normType=${c.normType}`, () => {
      const normType = c.normType === 'inf' ? Number.POSITIVE_INFINITY : c.normType;
      const { grads, totalNorm } = clipGradNorm(c.grads.map(toTensor), c.maxNorm, normType);
      expect(Math.abs(totalNorm - c.totalNorm)).toBeLessThan(1e-12 * c.totalNorm);
      (grads as Tensor[]).forEach((g, i) => {
        expect(maxRelativeError(g, c.clipped[i])).toBeLessThan(1e-12);
      });
    });
  }
});

describe('sgdStep', () => {
  it('is differentiable: the second-order term of one inner step', () => {
    // f(p) = loss(p - lr * loss'(p)) with loss(p) = p^3: f'(p) = 3q^2 (1 - 6 lr p), q = p - 3 lr p^2.
    const p = 0.7;
    const lr = 0.1;
    const loss = (w: { p: Tensor }) => w.p.pow(3).sum();
    const metaLoss = (w: { p: Tensor }) => loss(sgdStep(w, grad(loss)(w), lr));
    const g = grad(metaLoss)({ p: tensor([p], { dtype: 'float64' }) }) as { p: Tensor };
    const q = p - 3 * lr * p * p;
    expect(g.p.item()).toBeCloseTo(3 * q * q * (1 - 6 * lr * p), 12);
  });

  it('takes per-parameter learning rates as a pytree (Meta-SGD)', () => {
    const params = { a: tensor([1, 2], { dtype: 'float64' }) };
    const grads = { a: tensor([1, 1], { dtype: 'float64' }) };
    const lr = { a: tensor([0.1, 0.5], { dtype: 'float64' }) };
    expect(Array.from(sgdStep(params, grads, lr).a.dataSync())).toEqual([0.9, 1.5]);
  });

  it('rejects a non-finite learning rate', () => {
    const params = { a: tensor([1, 2]) };
    expect(() => sgdStep(params, params, Number.NaN)).toThrow(
      'sgdStep: lr must be a finite number, got NaN',
    );
  });

  it('rejects gradients shaped unlike the params', () => {
    const params = { a: tensor([1, 2]), b: tensor([1]) };
    expect(() => sgdStep(params, { a: tensor([1, 2]) } as never, 0.1)).toThrow('zipTrees');
  });
});
