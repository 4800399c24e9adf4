import { ones } from '@metagrad/core';
import { describe, expect, it } from 'vitest';
import { prepareBackend, runCase } from '../src/index.js';
import type { ConformanceCase } from '../src/types.js';

function caseOf(run: ConformanceCase['run']): ConformanceCase {
  return { op: 'probe', name: 'probe', kind: 'fixture', dtype: 'float32', run };
}

const passing = {
  label: 'output 0',
  passed: true,
  error: 0,
  ratio: 0,
  tolerance: { rtol: 1e-4, atol: 1e-6 },
};

describe('runCase', () => {
  prepareBackend('cpu');

  it('fails a case that leaks a tensor', async () => {
    let leaked: ReturnType<typeof ones> | null = null;
    const result = await runCase(
      caseOf(async () => {
        leaked = ones([3]);
        return { comparisons: [passing] };
      }),
      'cpu',
    );
    leaked!.dispose();
    expect(result.passed).toBe(false);
    expect(result.worst?.label).toBe('live tensors after the case');
    expect(result.worst?.detail).toMatch(/^\d+ before, \d+ after$/);
  });

  it('reports the error a case raises', async () => {
    const result = await runCase(
      caseOf(async () => {
        throw new RangeError('kernel Conv2D is missing');
      }),
      'cpu',
    );
    expect(result.passed).toBe(false);
    expect(result.error).toBe('RangeError: kernel Conv2D is missing');
    expect(result.worst).toBeNull();
  });

  it('fails a case that compares nothing', async () => {
    const result = await runCase(
      caseOf(async () => ({ comparisons: [] })),
      'cpu',
    );
    expect(result.passed).toBe(false);
    expect(result.error).toBe('the case compared nothing');
  });
});
