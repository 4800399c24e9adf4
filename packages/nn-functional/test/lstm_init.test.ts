import '@metagrad/backend-cpu/register';
import { Generator, randn, type Tensor } from '@metagrad/core';
import { describe, expect, it } from 'vitest';
import { dropout, initLstm, lstm, lstmWeightNames } from '../src/index.js';

describe('lstmWeightNames', () => {
  it('lists PyTorch flat order', () => {
    expect(lstmWeightNames({ numLayers: 2, bidirectional: true, projSize: 3 })).toEqual([
      'weight_ih_l0',
      'weight_hh_l0',
      'bias_ih_l0',
      'bias_hh_l0',
      'weight_hr_l0',
      'weight_ih_l0_reverse',
      'weight_hh_l0_reverse',
      'bias_ih_l0_reverse',
      'bias_hh_l0_reverse',
      'weight_hr_l0_reverse',
      'weight_ih_l1',
      'weight_hh_l1',
      'bias_ih_l1',
      'bias_hh_l1',
      'weight_hr_l1',
      'weight_ih_l1_reverse',
      'weight_hh_l1_reverse',
      'bias_ih_l1_reverse',
      'bias_hh_l1_reverse',
      'weight_hr_l1_reverse',
    ]);
  });

  it('leaves out biases with bias: false', () => {
    expect(lstmWeightNames({ bias: false })).toEqual(['weight_ih_l0', 'weight_hh_l0']);
  });
});

describe('initLstm', () => {
  const options = { inputSize: 3, hiddenSize: 16, numLayers: 2, bidirectional: true, projSize: 5 };

  it('creates every weight with PyTorch shapes', () => {
    const weights = initLstm(options, new Generator(0));
    expect(Object.keys(weights)).toEqual(lstmWeightNames(options));
    expect(weights.weight_ih_l0.shape).toEqual([64, 3]);
    expect(weights.weight_hh_l0.shape).toEqual([64, 5]);
    expect(weights.bias_ih_l0.shape).toEqual([64]);
    expect(weights.weight_hr_l0.shape).toEqual([5, 16]);
    expect(weights.weight_ih_l1_reverse.shape).toEqual([64, 10]);
    expect(weights.weight_ih_l0.dtype).toBe('float32');
  });

  it('draws uniformly within 1/sqrt(hiddenSize)', () => {
    const weights = initLstm({ inputSize: 64, hiddenSize: 16 }, new Generator(1));
    const values = Array.from(weights.weight_ih_l0.dataSync());
    const bound = 1 / Math.sqrt(16);
    expect(Math.max(...values)).toBeLessThanOrEqual(bound);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(-bound);
    // 4096 samples of U(-0.25, 0.25): the extremes come within 1% of the bound, the mean near 0.
    expect(Math.max(...values)).toBeGreaterThan(0.99 * bound);
    expect(Math.min(...values)).toBeLessThan(-0.99 * bound);
    const mean = values.reduce((p, q) => p + q, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.01);
  });

  it('repeats for a seed and honours dtype', () => {
    const a = initLstm({ ...options, dtype: 'float64' }, new Generator(4));
    const b = initLstm({ ...options, dtype: 'float64', generator: new Generator(4) });
    expect(a.weight_hr_l1_reverse.dtype).toBe('float64');
    expect(Array.from(a.weight_hr_l1_reverse.dataSync())).toEqual(
      Array.from(b.weight_hr_l1_reverse.dataSync()),
    );
  });

  it('requires both sizes', () => {
    expect(() => initLstm({ inputSize: 3 } as never)).toThrow(
      'initLstm: hiddenSize must be a positive integer, got undefined',
    );
  });
});

describe('lstm shapes', () => {
  const generator = new Generator(2);
  const weights = initLstm(
    { inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true },
    generator,
  );
  const options = { numLayers: 2, bidirectional: true };

  it('keeps hN and cN layer-first with batchFirst', () => {
    const x = randn([6, 5, 3], { generator });
    const [output, [hN, cN]] = lstm(x, undefined, weights, { ...options, batchFirst: true });
    expect(output.shape).toEqual([6, 5, 8]);
    expect(hN.shape).toEqual([4, 6, 4]);
    expect(cN.shape).toEqual([4, 6, 4]);
  });

  it('returns unbatched shapes for 2-D input', () => {
    const x = randn([5, 3], { generator });
    const [output, [hN, cN]] = lstm(x, undefined, weights, options);
    expect(output.shape).toEqual([5, 8]);
    expect(hN.shape).toEqual([4, 4]);
    expect(cN.shape).toEqual([4, 4]);
  });
});

describe('lstm dropout', () => {
  const generator = new Generator(3);
  const weights = initLstm({ inputSize: 3, hiddenSize: 4, numLayers: 2 }, generator);
  const x = randn([5, 2, 3], { generator });
  const values = (t: Tensor) => Array.from(t.dataSync());

  it('drops between layers from the given generator', () => {
    const [output, [hN]] = lstm(x, undefined, weights, {
      numLayers: 2,
      dropout: 0.5,
      generator: new Generator(9),
    });

    // The same computation by hand: layer 0, dropout with the same stream, layer 1.
    const layer0 = { weight_ih_l0: weights.weight_ih_l0, weight_hh_l0: weights.weight_hh_l0 };
    const layer1 = { weight_ih_l0: weights.weight_ih_l1, weight_hh_l0: weights.weight_hh_l1 };
    const biases0 = { bias_ih_l0: weights.bias_ih_l0, bias_hh_l0: weights.bias_hh_l0 };
    const biases1 = { bias_ih_l0: weights.bias_ih_l1, bias_hh_l0: weights.bias_hh_l1 };
    const [hidden, [h0]] = lstm(x, undefined, { ...layer0, ...biases0 });
    const dropped = dropout(hidden, { p: 0.5, generator: new Generator(9) });
    const [expected, [h1]] = lstm(dropped, undefined, { ...layer1, ...biases1 });

    expect(values(output)).toEqual(values(expected));
    expect(values(hN)).toEqual([...values(h0), ...values(h1)]);
    const [undropped] = lstm(x, undefined, weights, { numLayers: 2 });
    expect(values(output)).not.toEqual(values(undropped));
  });

  it('is off with training: false and after the last layer', () => {
    const [reference] = lstm(x, undefined, weights, { numLayers: 2 });
    const [evaluated] = lstm(x, undefined, weights, {
      numLayers: 2,
      dropout: 0.5,
      training: false,
    });
    expect(values(evaluated)).toEqual(values(reference));

    const one = initLstm({ inputSize: 3, hiddenSize: 4 }, generator);
    const [plain] = lstm(x, undefined, one);
    const [withDropout] = lstm(x, undefined, one, { dropout: 0.9 });
    expect(values(withDropout)).toEqual(values(plain));
  });
});
