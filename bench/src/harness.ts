import { flattenParams } from './data.js';
import type { Reference } from './reference.js';
import {
  plannedRuns,
  type RunPolicy,
  relativeError,
  summarize,
  type TimingSummary,
} from './stats.js';
import { type Prepared, type System, UnsupportedError } from './system.js';
import type { Workload, WorkloadInputs } from './workloads.js';

/**
 * A float32 gradient whose relative error against the float64 reference exceeds this is
 * reported as wrong. Float32 rounding gives errors around 1e-6 to 1e-4 on these workloads.
 */
export const GRADIENT_TOLERANCE = 1e-3;

export type EntryStatus = 'ok' | 'over the cap' | 'unsupported' | 'failed';

/** One system on one workload. */
export interface Entry {
  system: string;
  status: EntryStatus;
  /** The error the system raised when it could not run the workload. */
  reason?: string;
  /** The last warm-up run, in milliseconds. */
  warmupMs?: number;
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

function failure(system: System, error: unknown): Entry {
  const unsupported = error instanceof UnsupportedError || system.isUnsupported?.(error) === true;
  return {
    system: system.name,
    status: unsupported ? 'unsupported' : 'failed',
    reason: describeError(error),
  };
}

async function timeRun(system: System, prepared: Prepared): Promise<number> {
  await system.activate();
  const start = performance.now();
  await prepared.run();
  return performance.now() - start;
}

interface Contender {
  system: System;
  prepared: Prepared;
  entry: Entry;
  runs: number;
  times: number[];
}

/** Prepares a workload on one system, checks its gradient and warms it up. */
async function warmUp(
  system: System,
  workload: Workload,
  inputs: WorkloadInputs[keyof WorkloadInputs],
  reference: Reference | null,
  policy: RunPolicy,
): Promise<Contender | Entry> {
  const prepare = system.prepare[workload.id] as
    | ((inputs: WorkloadInputs[keyof WorkloadInputs]) => Prepared | Promise<Prepared>)
    | undefined;
  if (!prepare) {
    return { system: system.name, status: 'failed', reason: 'no implementation in the bench' };
  }
  let prepared: Prepared | undefined;
  try {
    await system.activate();
    prepared = await prepare(inputs);
    const entry: Entry = { system: system.name, status: 'ok' };
    if (reference && prepared.gradient) {
      const gradient = flattenParams(await prepared.gradient(), reference.names);
      entry.gradientError = relativeError(gradient, reference.gradient);
      entry.gradientWrong = !(entry.gradientError <= GRADIENT_TOLERANCE);
    }
    let warmupMs = await timeRun(system, prepared);
    if (warmupMs <= policy.slowRunMs) warmupMs = await timeRun(system, prepared);
    entry.warmupMs = warmupMs;
    const { runs, overCap } = plannedRuns(warmupMs, policy);
    entry.cut = overCap && runs > 0;
    if (runs === 0) entry.status = 'over the cap';
    return { system, prepared, entry, runs, times: [] };
  } catch (error) {
    prepared?.dispose();
    return failure(system, error);
  }
}

/**
 * Runs one workload on every system: prepare, gradient check and warm-up per system, then the
 * timed runs interleaved round by round, so that a change in machine load hits every system.
 */
export async function runWorkload(
  workload: Workload,
  inputs: WorkloadInputs[keyof WorkloadInputs],
  systems: readonly System[],
  reference: Reference | null,
  policy: RunPolicy,
  log: (line: string) => void = () => {},
): Promise<WorkloadResult> {
  const contenders: Contender[] = [];
  const entries: Entry[] = [];
  for (const system of systems) {
    const outcome = await warmUp(system, workload, inputs, reference, policy);
    const entry = 'entry' in outcome ? outcome.entry : outcome;
    entries.push(entry);
    if ('entry' in outcome) contenders.push(outcome);
    log(`  ${system.name}: ${describeEntry(entry)}`);
  }
  const rounds = Math.max(0, ...contenders.map((c) => c.runs));
  for (let round = 0; round < rounds; round++) {
    for (const contender of contenders) {
      if (round >= contender.runs || contender.entry.status !== 'ok') continue;
      try {
        contender.times.push(await timeRun(contender.system, contender.prepared));
      } catch (error) {
        Object.assign(contender.entry, failure(contender.system, error));
      }
    }
  }
  for (const contender of contenders) {
    if (contender.entry.status === 'ok') contender.entry.timing = summarize(contender.times);
    contender.prepared.dispose();
  }
  return {
    id: workload.id,
    title: workload.title,
    check: workload.check,
    orderGap: reference?.orderGap,
    entries,
  };
}

function describeEntry(entry: Entry): string {
  if (entry.reason) return `${entry.status}: ${entry.reason}`;
  const error =
    entry.gradientError === undefined
      ? ''
      : `, gradient error ${entry.gradientError.toExponential(1)}`;
  return `${entry.status}, warm-up ${entry.warmupMs?.toFixed(1)} ms${error}`;
}
