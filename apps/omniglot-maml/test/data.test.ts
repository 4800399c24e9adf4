import '@metagrad/backend-cpu/register';
import { Generator, tidy } from '@metagrad/core';
import { describe, expect, it } from 'vitest';
import { heldOutCharacters, sampleTaskBatch, trainingClasses } from '../src/data.js';

describe('Omniglot task data', () => {
  it('trains on every distinct background character in four rotations', () => {
    expect(trainingClasses('both').length).toBe(242 * 4);
    // small1: Balinese 24, Early_Aramaic 22, Greek 24, Korean 40, Latin 26.
    expect(trainingClasses('small1').length).toBe(136 * 4);
  });

  it('holds out only alphabets that small1 lacks', () => {
    const heldOut = heldOutCharacters();
    // Japanese (katakana) 47, Sanskrit 42, Tagalog 17.
    expect(heldOut.length).toBe(106);
    const alphabets = new Set(heldOut.map((c) => c.alphabet));
    expect([...alphabets].sort()).toEqual(['Japanese_(katakana)', 'Sanskrit', 'Tagalog']);
    const trained = new Set(trainingClasses('small1').map((c) => c.id.split('@')[0]));
    expect(heldOut.filter((c) => trained.has(c.id))).toEqual([]);
  });

  it('stacks episodes into task batches with matching labels', () => {
    tidy(() => {
      const batch = sampleTaskBatch(
        trainingClasses('small1'),
        { tasks: 3, ways: 5, shots: 2, queries: 4, augment: true },
        new Generator(0),
      );
      expect(batch.support.shape).toEqual([3, 10, 1, 28, 28]);
      expect(batch.query.shape).toEqual([3, 20, 1, 28, 28]);
      expect(batch.supportLabels.shape).toEqual([3, 10]);
      expect(Array.from(batch.supportLabels.dataSync().slice(0, 10))).toEqual([
        0, 0, 1, 1, 2, 2, 3, 3, 4, 4,
      ]);
      expect(batch.queryLabels.dtype).toBe('int32');
    });
  });
});
