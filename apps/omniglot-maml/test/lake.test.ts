import '@metagrad/backend-cpu/register';
import { Generator } from '@metagrad/core';
import { type LakeRun, loadLakeRuns } from '@metagrad/datasets';
import { describe, expect, it } from 'vitest';
import { evaluateLakeRuns, evaluateRunEpisodes } from '../src/evaluate.js';
import { initConvNet } from '../src/model.js';

const settings = { architecture: { maxPool: false }, steps: 1, lr: 0.4, chunk: 20 };

describe("Lake's one-shot runs", () => {
  it('scores 20 runs x 20 trials with a tiny MAML model', () => {
    const params = initConvNet({ ways: 20, filters: 2, maxPool: false }, new Generator(0));
    const result = evaluateLakeRuns(params, 'maml', 'batch', settings);
    expect(result.correct.length).toBe(20);
    for (const run of result.correct) expect(run.length).toBe(20);
    expect(result.runErrors.length).toBe(20);
    expect(result.error.count).toBe(400);
    const meanOfRuns = result.runErrors.reduce((a, b) => a + b, 0) / 20;
    expect(result.error.mean).toBeCloseTo(meanOfRuns, 12);
  });

  it('scores a perfect match as zero error', () => {
    // Runs whose training images are the test images themselves, in answer-key order: the
    // pixel nearest neighbour must then find every answer.
    const runs: LakeRun[] = loadLakeRuns({ size: 28 }).map((run) => {
      const train = run.train.map((_, c) => run.test[run.answers.indexOf(c)]);
      return { ...run, train };
    });
    const params = initConvNet({ ways: 20, filters: 2, maxPool: false }, new Generator(0));
    const result = evaluateLakeRuns(params, 'pixel-nn', 'batch', settings, runs);
    expect(result.error.mean).toBe(0);
  });

  it('draws 5-way episodes inside each run', () => {
    const params = initConvNet({ ways: 5, filters: 2, maxPool: false }, new Generator(0));
    const options = { ways: 5, episodesPerRun: 2, seed: 1 };
    const result = evaluateRunEpisodes(params, 'pixel-nn', 'batch', settings, options);
    expect(result.runAccuracies.length).toBe(20);
    expect(result.accuracy.count).toBe(20);
    // Pixel matching is well above the 20% of chance on these runs.
    expect(result.accuracy.mean).toBeGreaterThan(0.3);
  });
});
