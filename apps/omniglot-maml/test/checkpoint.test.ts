import '@metagrad/backend-cpu/register';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flattenTree, Generator, saveSafetensors, tidy } from '@metagrad/core';
import { describe, expect, it } from 'vitest';
import { loadWeights, saveWeights } from '../src/checkpoint.js';
import { initConvNet } from '../src/model.js';

describe('weights file', () => {
  it('round-trips every tensor and the architecture', () => {
    tidy(() => {
      const config = { ways: 7, filters: 3, maxPool: true, zeroHead: false };
      const params = initConvNet(config, new Generator(2));
      const path = join(mkdtempSync(join(tmpdir(), 'omniglot-')), 'weights.safetensors');
      saveWeights(path, { params, config, trainSet: 'small1' });
      const loaded = loadWeights(path);
      expect(loaded.config).toEqual(config);
      expect(loaded.trainSet).toBe('small1');
      const want = flattenTree(params);
      const got = flattenTree(loaded.params);
      expect(got.paths.sort()).toEqual([...want.paths].sort());
      want.paths.forEach((path, i) => {
        const j = flattenTree(loaded.params).paths.indexOf(path);
        expect(Array.from(got.leaves[j].dataSync()), path).toEqual(
          Array.from(want.leaves[i].dataSync()),
        );
      });
    });
  });

  it('records a zero head', () => {
    tidy(() => {
      const config = { ways: 5, filters: 2, maxPool: false, zeroHead: true };
      const path = join(mkdtempSync(join(tmpdir(), 'omniglot-')), 'weights.safetensors');
      saveWeights(path, { params: initConvNet(config, new Generator(2)), config, trainSet: null });
      expect(loadWeights(path).config.zeroHead).toBe(true);
    });
  });

  it('reads a file without a head setting as a learned head', () => {
    tidy(() => {
      const config = { ways: 5, filters: 2, maxPool: false };
      const path = join(mkdtempSync(join(tmpdir(), 'omniglot-')), 'weights.safetensors');
      const metadata = { ways: '5', filters: '2', maxPool: 'false' };
      writeFileSync(path, saveSafetensors(initConvNet(config, new Generator(2)), metadata));
      expect(loadWeights(path).config.zeroHead).toBe(false);
    });
  });

  it('rejects a file with a misshaped tensor', () => {
    tidy(() => {
      const config = { ways: 5, filters: 3, maxPool: false };
      const params = initConvNet({ ...config, ways: 4 }, new Generator(2));
      const path = join(mkdtempSync(join(tmpdir(), 'omniglot-')), 'weights.safetensors');
      const metadata = { ways: '5', filters: '3', maxPool: 'false' };
      writeFileSync(path, saveSafetensors(params, metadata));
      expect(() => loadWeights(path)).toThrow(
        /head\.weight has shape \[4, 12\], expected \[5, 12\]/,
      );
    });
  });
});
