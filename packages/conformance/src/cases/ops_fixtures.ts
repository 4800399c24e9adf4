import { type FixtureTensor, type FloatDType, loadFixture } from '../fixtures.js';
import type { ConformanceCase } from '../types.js';
import { runFixture } from './fixture_case.js';
import { OPS } from './op_table.js';

/** One case of `fixtures/ops.json` (the fixture README explains each key). */
interface OpCase {
  name: string;
  op: string;
  attrs: Record<string, unknown>;
  inputs: FixtureTensor[];
  output: FixtureTensor | FixtureTensor[];
  gradOutputs?: FixtureTensor[];
  grads?: (FixtureTensor | null)[];
  gradGradVectors?: (FixtureTensor | null)[];
  gradGrads?: (FixtureTensor | null)[];
}

function asList<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** Returns the cases of ops.json (core ops: outputs, gradients and second-order gradients) per dtype. */
export function opsFixtureCases(dtypes: readonly FloatDType[]): ConformanceCase[] {
  const { cases } = loadFixture<{ cases: OpCase[] }>('ops.json');
  const missing = [...new Set(cases.map((c) => c.op))].filter((op) => !(op in OPS));
  if (missing.length > 0) {
    throw new Error(`conformance: ops.json has ops without a metagrad call: ${missing.join(', ')}`);
  }
  return dtypes.flatMap((dtype) =>
    cases.map(
      (c): ConformanceCase => ({
        op: c.op,
        name: `${c.name} ${dtype}`,
        kind: 'fixture',
        dtype,
        run: (backend) =>
          runFixture(
            {
              op: c.op,
              inputNames: c.inputs.map((_, i) => `input ${i}`),
              inputs: c.inputs,
              outputs: asList(c.output),
              gradOutputs: c.gradOutputs,
              grads: c.grads,
              gradGradVectors: c.gradGradVectors,
              gradGrads: c.gradGrads,
              call: (inputs) => ({ outputs: asList(OPS[c.op](inputs, c.attrs)) }),
            },
            dtype,
            backend,
          ),
      }),
    ),
  );
}
