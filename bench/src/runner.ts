import type { HostParams } from './data.js';
import type { SystemInfo } from './report.js';
import { type Prepared, type System, UnsupportedError } from './system.js';
import type { WorkloadId, WorkloadInputs } from './workloads.js';

/** The error of a run that took longer than the cap and was stopped. */
export class OverCapError extends Error {
  override name = 'OverCapError';

  constructor(readonly elapsedMs: number) {
    super(`stopped after ${(elapsedMs / 1000).toFixed(1)} s, over the cap`);
  }
}

/** What preparing a workload returns: the system's description and its gradient, if any. */
export interface PrepareResult {
  info: SystemInfo;
  gradient?: HostParams;
}

/** One system set up for one workload, in this process or in a child process. */
export interface Runner {
  name: string;
  /** Sets the workload up and computes its gradient, within `timeoutMs` where enforceable. */
  prepare(timeoutMs: number): Promise<PrepareResult>;
  /** Runs the workload once and returns its time in milliseconds. */
  run(timeoutMs: number): Promise<number>;
  close(): void;
}

/** Whether an error means the system lacks what the workload needs (see System.isUnsupported). */
export function isUnsupported(system: System | undefined, error: unknown): boolean {
  return error instanceof UnsupportedError || system?.isUnsupported?.(error) === true;
}

/**
 * Runs a system in this process. JavaScript cannot interrupt a synchronous run, so the timeouts
 * are not enforced here; the child-process runner enforces them.
 */
export function localRunner<K extends WorkloadId>(
  makeSystem: () => Promise<System>,
  id: K,
  inputs: () => WorkloadInputs[K],
  name: string,
): Runner {
  let system: System | undefined;
  let prepared: Prepared | undefined;
  return {
    name,
    prepare: async () => {
      try {
        system = await makeSystem();
        const prepare = system.prepare[id];
        if (!prepare) throw new Error('no implementation in the bench');
        await system.activate();
        prepared = await prepare(inputs());
        const info = { name: system.name, packages: system.packages, details: system.details };
        return { info, gradient: prepared.gradient ? await prepared.gradient() : undefined };
      } catch (error) {
        if (isUnsupported(system, error) && !(error instanceof UnsupportedError)) {
          throw new UnsupportedError(error instanceof Error ? error.message : String(error));
        }
        throw error;
      }
    },
    run: async () => {
      if (!system || !prepared) throw new Error(`${name}: run() before prepare()`);
      await system.activate();
      const start = performance.now();
      try {
        await prepared.run();
      } catch (error) {
        if (isUnsupported(system, error) && !(error instanceof UnsupportedError)) {
          throw new UnsupportedError(error instanceof Error ? error.message : String(error));
        }
        throw error;
      }
      return performance.now() - start;
    },
    close: () => prepared?.dispose(),
  };
}
