import { describe, expect, it } from 'vitest';
import { formatReport, runConformance } from '../src/index.js';
import { brokenBackend, MUL_ERROR } from './broken_backend.js';

describe('broken backend', () => {
  it('fails mul, naming its worst error', async () => {
    const report = await runConformance(brokenBackend, { ops: ['add', 'mul'] });
    expect(report.backend).toBe('broken');
    expect(report.passed).toBe(false);

    const add = report.ops.find((o) => o.op === 'add')!;
    expect(add.failed).toBe(0);
    const mul = report.ops.find((o) => o.op === 'mul')!;
    expect(mul.failed).toBeGreaterThan(0);
    // Only a case without elements (shape [0, 3]) has nothing for the wrong product to change.
    const passedMul = report.cases.filter((c) => c.op === 'mul' && c.passed).map((c) => c.name);
    expect(passedMul).toEqual(['cross-backend [0,3] [3]']);

    // Every output of mul is off by MUL_ERROR relative; a gradient multiplies twice at most.
    const worst = mul.worst!.comparison!;
    expect(worst.passed).toBe(false);
    expect(worst.error).toBeGreaterThanOrEqual(MUL_ERROR * 0.99);
    expect(worst.error).toBeLessThanOrEqual(MUL_ERROR * 2.01 + MUL_ERROR ** 2);

    const text = formatReport(report);
    expect(text).toMatch(/^FAIL mul +1 passed, \d+ failed; worst: .*relative error [12]\.\d\de-3/m);
    expect(text).toMatch(/^ok {3}add +\d+ passed, 0 failed/m);
    expect(text).toContain('ops with failures: mul');
  });

  it('fails the sinusoid MAML meta-gradient', async () => {
    const report = await runConformance(brokenBackend, {
      ops: ['maml-sinusoid'],
      float64: false,
    });
    const maml = report.ops[0];
    expect(maml.op).toBe('maml-sinusoid');
    expect(maml.failed).toBeGreaterThan(0);
    expect(maml.worst!.comparison!.label).toMatch(/^(metaLoss|metaGrad)$/);
  });
});
