import { setBackend } from '@metagrad/core';

/** The backend that runs the page's tensors, as the page reports it. */
export interface BackendInfo {
  /** The registered backend name, as `setBackend` takes it. */
  name: string;
  /** The mode it runs in: the gpu.js mode, or `typed arrays` for the CPU backend. */
  mode: string;
  /** The errors of the backends earlier in the preference order; empty when none failed. */
  skipped: string[];
}

/** A backend the page can run on. `start` registers it and returns its mode, or throws. */
interface BackendCandidate {
  name: string;
  start(): Promise<string>;
}

// WebGL2 only: where a browser lacks it, gpu.js would run WebGL 1 or WebAssembly, and the page
// runs on the CPU backend instead.
const gpujsCandidate: BackendCandidate = {
  name: 'gpujs',
  async start() {
    const { registerGpujsBackend } = await import('@metagrad/backend-gpujs');
    return registerGpujsBackend({ mode: 'webgl2' }).mode;
  },
};

const cpuCandidate: BackendCandidate = {
  name: 'cpu',
  async start() {
    const { registerCpuBackend } = await import('@metagrad/backend-cpu');
    registerCpuBackend();
    return 'typed arrays';
  },
};

/** The backends in order of preference: the first one that starts runs the page. */
const CANDIDATES: readonly BackendCandidate[] = [gpujsCandidate, cpuCandidate];

/**
 * Starts the first backend of the preference order that starts, or only `requested` when it is
 * given (the page's `?backend=` parameter), and makes it the current backend.
 */
export async function startBackend(requested: string | null): Promise<BackendInfo> {
  const candidates = requested ? CANDIDATES.filter((c) => c.name === requested) : CANDIDATES;
  if (candidates.length === 0) {
    const known = CANDIDATES.map((c) => c.name).join(', ');
    throw new Error(`backend '${requested}' is not available in this page; use one of: ${known}`);
  }
  const skipped: string[] = [];
  for (const candidate of candidates) {
    try {
      const mode = await candidate.start();
      setBackend(candidate.name);
      return { name: candidate.name, mode, skipped };
    } catch (error) {
      skipped.push(`${candidate.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new Error(`no backend started (${skipped.join('; ')})`);
}
