import type { HostParams } from './data.js';
import type { WorkloadId, WorkloadInputs } from './workloads.js';

/** A workload set up on one system, with its inputs already on that system. */
export interface Prepared {
  /** One timed run. It resolves once every result is computed (lazy systems included). */
  run(): void | Promise<void>;
  /**
   * The gradient that one run computes, in PyTorch's layouts and names, for the accuracy check:
   * with respect to the inputs and weights (W2 to W4) or the meta-gradient at the initial
   * weights (MAML workloads). Called before the first `run`, which updates MAML weights.
   */
  gradient?(): Promise<HostParams>;
  dispose(): void;
}

/** The error a system throws when it cannot run a workload; its message is the reason. */
export class UnsupportedError extends Error {
  override name = 'UnsupportedError';
}

export type PrepareFns = {
  [K in WorkloadId]?: (inputs: WorkloadInputs[K]) => Prepared | Promise<Prepared>;
};

/** One column of the results table: a library on one backend (and mode). */
export interface System {
  /** The column label, e.g. `tfjs wasm`. */
  name: string;
  /** The packages that make up the system, with their versions. */
  packages: Record<string, string>;
  /** Settings worth reporting (threads, SIMD, device). */
  details: string;
  /**
   * Whether an error the library raised means that it lacks what the workload needs (a kernel
   * or an op) rather than a fault. The workload is then reported as unsupported.
   */
  isUnsupported?(error: unknown): boolean;
  /** Selects the system's backend; called before each of its runs, outside the timing. */
  activate(): Promise<void>;
  prepare: PrepareFns;
}
