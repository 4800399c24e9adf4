import '@metagrad/backend-cpu/register';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Generator, loadSafetensors, saveSafetensors } from '@metagrad/core';
import { lstmWeightNames } from '@metagrad/nn-functional';
import { describe, expect, it } from 'vitest';
import { loadWeights, saveWeights } from '../src/checkpoint.js';
import { initStrokeNet, LSTM_OPTIONS } from '../src/model.js';

describe('weights file', () => {
  it('round-trips every tensor under PyTorch state_dict names', () => {
    const params = initStrokeNet(6, 5, new Generator(1));
    const path = join(mkdtempSync(join(tmpdir(), 'strokes-')), 'weights.safetensors');
    saveWeights(path, params, { length: 24, iterations: 3 });

    const { tensors, metadata } = loadSafetensors(readFileSync(path));
    const lstmNames = lstmWeightNames(LSTM_OPTIONS).map((name) => `lstm.${name}`);
    expect(Object.keys(tensors).sort()).toEqual([...lstmNames, 'head.weight', 'head.bias'].sort());
    expect(lstmNames).toContain('lstm.weight_hh_l0_reverse');
    expect(metadata.format).toBe('pt');
    expect(tensors['lstm.weight_ih_l0'].shape).toEqual([24, 3]);
    expect(tensors['head.weight'].shape).toEqual([5, 12]);

    const loaded = loadWeights(path);
    expect(loaded.length).toBe(24);
    for (const name of Object.keys(params.lstm)) {
      expect(Array.from(loaded.params.lstm[name].dataSync()), name).toEqual(
        Array.from(params.lstm[name].dataSync()),
      );
    }
    expect(Array.from(loaded.params.head.weight.dataSync())).toEqual(
      Array.from(params.head.weight.dataSync()),
    );
    expect(Array.from(loaded.params.head.bias.dataSync())).toEqual(
      Array.from(params.head.bias.dataSync()),
    );
  });

  it('rejects a file with a missing LSTM weight, naming it', () => {
    const params = initStrokeNet(4, 5, new Generator(2));
    const { weight_hh_l0_reverse: _dropped, ...rest } = params.lstm;
    const path = join(mkdtempSync(join(tmpdir(), 'strokes-')), 'broken.safetensors');
    writeFileSync(path, saveSafetensors({ lstm: rest, head: params.head }, { length: '8' }));
    expect(() => loadWeights(path)).toThrow('weight_hh_l0_reverse');
  });

  it('rejects a head that does not fit the LSTM', () => {
    const params = initStrokeNet(4, 5, new Generator(2));
    const other = initStrokeNet(3, 5, new Generator(2));
    const path = join(mkdtempSync(join(tmpdir(), 'strokes-')), 'mixed.safetensors');
    writeFileSync(path, saveSafetensors({ lstm: params.lstm, head: other.head }, { length: '8' }));
    expect(() => loadWeights(path)).toThrow('expected [ways, 2*hidden_size] = [5, 8]');
  });
});
