import { flattenParams } from './data.js';
import type { Reference } from './reference.js';
import type { SystemInfo } from './report.js';
import { OverCapError, type Runner } from './runner.js';
import {
  plannedRuns,
  type RunPolicy,
  relativeError,
  summarize,
  type TimingSummary,
} from './stats.js';
import { UnsupportedError } from './system.js';
import type { Workload } from './workloads.js';

/**
 * A float32 gradient whose relative error against the float64 reference exceeds this is
 * reported as wrong. The float32 results that the bench checked had errors of 1e-8 to 1e-5.
 */
export const GRADIENT_TOLERANCE = 1e-3;

export type EntryStatus = 'ok' | 'over the cap' | 'unsupported' | 'failed';

/** One system on one workload. */
export interface Entry {
  system: string;
  status: EntryStatus;
  /** The error the system raised when it could not run the workload. */
  reason?: string;
  /** The last warm-up run, in milliseconds (over the cap: the time when it was stopped). */
  warmupMs?: number;
  /**
   * Over the cap: whether the setup (library start, compilation and the gradient for the check)
   * or a run exceeded it. Only a run gives a lower bound on the run time.
   */
  overCapIn?: 'setup' | 'run';
  timing?: TimingSummary;
  /** Whether the time budget cut the runs below the count of the policy. */
  cut?: boolean;
  /** Relative error of the system's float32 gradient against the float64 reference. */
  gradientError?: number;
  gradientWrong?: boolean;
}

export interface WorkloadResult {
  id: string;
  title: string;
  check: Workload['check'];
  orderGap?: number;
  entries: Entry[];
}

function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0].slice(0, 300);
}

function failure(system: string, error: unknown, phase: 'setup' | 'run'): Entry {
  if (error instanceof OverCapError) {
    return { system, status: 'over the cap', warmupMs: error.elapsedMs, overCapIn: phase };
  }
  const status = error instanceof UnsupportedError ? 'unsupported' : 'failed';
  return { system, status, reason: describeError(error) };
}

interface Contender {
  runner: Runner;
  entry: Entry;
  runs: number;
  times: number[];
}

/** Prepares a workload on one system, checks its gradient and warms it up. */
async function warmUp(
  runner: Runner,
  reference: Reference | null,
  policy: RunPolicy,
  infos: SystemInfo[],
): Promise<Contender | Entry> {
  let phase: 'setup' | 'run' = 'setup';
  try {
    const { info, gradient } = await runner.prepare(policy.capMs);
    phase = 'run';
    infos.push(info);
    const entry: Entry = { system: runner.name, status: 'ok' };
    if (reference && gradient) {
      entry.gradientError = relativeError(
        flattenParams(gradient, reference.names),
        reference.gradient,
      );
      entry.gradientWrong = !(entry.gradientError <= GRADIENT_TOLERANCE);
    }
    // JIT compilers (V8's for JavaScript and WebAssembly among them) optimize a function only
    // after many calls, so a fast workload is repeated for the warm-up time first.
    let warmupMs = await runner.run(policy.capMs);
    let spent = warmupMs;
    for (let k = 1; k < policy.warmupRuns && warmupMs <= policy.slowRunMs; k++) {
      if (k >= 2 && spent >= policy.warmupBudgetMs) break;
      warmupMs = await runner.run(policy.capMs);
      spent += warmupMs;
    }
    entry.warmupMs = warmupMs;
    const { runs, overCap } = plannedRuns(warmupMs, policy);
    entry.cut = overCap && runs > 0;
    if (runs === 0) {
      entry.status = 'over the cap';
      entry.overCapIn = 'run';
    }
    return { runner, entry, runs, times: [] };
  } catch (error) {
    runner.close();
    return failure(runner.name, error, phase);
  }
}

/**
 * Runs one workload on every system: prepare, gradient check and warm-up per system, then the
 * timed runs interleaved round by round, so that a change in machine load hits every system.
 * Returns the results and the description of each system that could be set up.
 */
export async function runWorkload(
  workload: Workload,
  runners: readonly Runner[],
  reference: Reference | null,
  policy: RunPolicy,
  log: (line: string) => void = () => {},
): Promise<{ result: WorkloadResult; infos: SystemInfo[] }> {
  const contenders: Contender[] = [];
  const entries: Entry[] = [];
  const infos: SystemInfo[] = [];
  for (const runner of runners) {
    const outcome = await warmUp(runner, reference, policy, infos);
    const entry = 'entry' in outcome ? outcome.entry : outcome;
    entries.push(entry);
    if ('entry' in outcome) contenders.push(outcome);
    log(`  ${runner.name}: ${describeEntry(entry)}`);
  }
  const rounds = Math.max(0, ...contenders.map((c) => c.runs));
  for (let round = 0; round < rounds; round++) {
    for (const contender of contenders) {
      if (round >= contender.runs || contender.entry.status !== 'ok') continue;
      try {
        contender.times.push(await contender.runner.run(policy.capMs));
      } catch (error) {
        Object.assign(contender.entry, failure(contender.runner.name, error, 'run'));
      }
    }
  }
  for (const contender of contenders) {
    if (contender.entry.status === 'ok') contender.entry.timing = summarize(contender.times);
    contender.runner.close();
  }
  const result = {
    id: workload.id,
    title: workload.title,
    check: workload.check,
    orderGap: reference?.orderGap,
    entries,
  };
  return { result, infos };
}

function describeEntry(entry: Entry): string {
  if (entry.reason) return `${entry.status}: ${entry.reason}`;
  const error =
    entry.gradientError === undefined
      ? ''
      : `, gradient error ${entry.gradientError.toExponential(1)}`;
  return `${entry.status}, warm-up ${entry.warmupMs?.toFixed(1)} ms${error}`;
}
