import { describe, expect, it } from 'vitest';
import { type BackendSpec, prepareBackend } from './backend.js';
import { formatCaseFailure } from './report.js';
import { type ConformanceOptions, listCases, runCase } from './run.js';

/**
 * Declares one vitest test per conformance case, named `<backend> <op> <case>`, inside a
 * `describe` block named after the backend. A failing test's message lists each comparison
 * beyond its tolerance, with the relative error, or the error the case raised.
 *
 * @example
 * import '@metagrad/backend-gpujs/register';
 * import { describeConformance } from '@metagrad/conformance/vitest';
 * describeConformance('gpujs');
 */
export function describeConformance(
  backend: BackendSpec,
  options: Omit<ConformanceOptions, 'onCaseResult'> = {},
): void {
  const name = prepareBackend(backend);
  const cases = listCases(name, options);
  describe(`conformance ${name}`, () => {
    for (const c of cases) {
      it(`${name} ${c.op} ${c.name}`, async () => {
        const result = await runCase(c, name);
        expect(result.passed, formatCaseFailure(result)).toBe(true);
      });
    }
  });
}
