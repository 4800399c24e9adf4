import { describe, expect, it } from 'vitest';
import { runWorkload } from '../src/harness.js';
import type { Reference } from '../src/reference.js';
import { localRunner, type Runner } from '../src/runner.js';
import { DEFAULT_POLICY } from '../src/stats.js';
import { type Prepared, type System, UnsupportedError } from '../src/system.js';
import type { Workload } from '../src/workloads.js';

const workload: Workload = { id: 'matmul256', title: 'tiny', check: 'second-order' };
const reference: Reference = { names: ['w'], gradient: Float64Array.from([3, 4]), orderGap: 0.5 };
const policy = { ...DEFAULT_POLICY, runs: 4, budgetMs: 60_000, warmupRuns: 2 };
const inputs = () => ({
  a: { shape: [1], data: new Float64Array(1) },
  b: { shape: [1], data: new Float64Array(1) },
});

function runner(system: System): Runner {
  return localRunner(async () => system, 'matmul256', inputs, system.name);
}

/** Builds a fake system that returns `gradient` and logs its name on each run. */
function fakeSystem(
  name: string,
  gradient: number[],
  log: string[],
): System & { runsBeforeGradient?: number } {
  let runs = 0;
  const system: System & { runsBeforeGradient?: number } = {
    name,
    packages: {},
    details: '',
    activate: async () => {},
    prepare: {
      matmul256: (): Prepared => ({
        run: () => {
          runs++;
          log.push(name);
        },
        gradient: async () => {
          system.runsBeforeGradient = runs;
          return { w: { shape: [2], data: Float64Array.from(gradient) } };
        },
        dispose: () => {},
      }),
    },
  };
  return system;
}

function throwingSystem(
  name: string,
  error: Error,
  isUnsupported?: (e: unknown) => boolean,
): System {
  return {
    name,
    packages: {},
    details: '',
    isUnsupported,
    activate: async () => {},
    prepare: {
      matmul256: () => {
        throw error;
      },
    },
  };
}

describe('runWorkload', () => {
  it('checks gradients before the first run and marks a wrong one', async () => {
    const log: string[] = [];
    const exact = fakeSystem('exact', [3, 4], log);
    const wrong = fakeSystem('wrong', [3, 4.5], log);
    const result = await runWorkload(workload, [exact, wrong].map(runner), reference, policy);
    const [exactEntry, wrongEntry] = result.result.entries;
    expect(exact.runsBeforeGradient).toBe(0);
    expect(exactEntry.gradientError).toBe(0);
    expect(exactEntry.gradientWrong).toBe(false);
    expect(wrongEntry.gradientError).toBeCloseTo(0.1, 12);
    expect(wrongEntry.gradientWrong).toBe(true);
    expect(result.result.orderGap).toBe(0.5);
  });

  it('interleaves the timed runs round by round', async () => {
    const log: string[] = [];
    const systems = [fakeSystem('a', [3, 4], log), fakeSystem('b', [3, 4], log)];
    const { result } = await runWorkload(workload, systems.map(runner), reference, policy);
    // Two warm-up runs each, then four rounds.
    expect(log).toEqual(['a', 'a', 'b', 'b', 'a', 'b', 'a', 'b', 'a', 'b', 'a', 'b']);
    for (const entry of result.entries) {
      expect(entry.status).toBe('ok');
      expect(entry.timing?.runs).toBe(4);
    }
  });

  it('warms up for the warm-up time or run count', async () => {
    const log: string[] = [];
    const fast = fakeSystem('a', [3, 4], log);
    // Runs of about 0 ms never fill a 3 s warm-up time, so the run count ends it.
    const counted = { ...policy, warmupRuns: 7, warmupBudgetMs: 3_000 };
    await runWorkload(workload, [runner(fast)], reference, counted);
    expect(log.length).toBe(7 + counted.runs);
    // With no warm-up time, two runs are still made.
    log.length = 0;
    const timed = { ...policy, warmupRuns: 100, warmupBudgetMs: 0 };
    await runWorkload(workload, [runner(fakeSystem('b', [3, 4], log))], reference, timed);
    expect(log.length).toBe(2 + timed.runs);
  });

  it('reports unsupported and failed systems with the error', async () => {
    const systems = [
      throwingSystem('no-op', new UnsupportedError('has no conv op')),
      throwingSystem('kernel', new Error("Kernel 'Conv' not registered"), () => true),
      throwingSystem('broken', new Error('index out of range')),
    ];
    const { result } = await runWorkload(workload, systems.map(runner), reference, policy);
    expect(result.entries.map((e) => [e.status, e.reason])).toEqual([
      ['unsupported', 'has no conv op'],
      ['unsupported', "Kernel 'Conv' not registered"],
      ['failed', 'index out of range'],
    ]);
  });
});
