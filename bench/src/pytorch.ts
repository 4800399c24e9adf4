import type { Entry } from './harness.js';
import type { SystemInfo } from './report.js';
import type { TimingSummary } from './stats.js';

/** results/pytorch.json, as pytorch_bench.py writes it (times in milliseconds). */
export interface PytorchResults {
  date: string;
  torch: string;
  python: string;
  threads: number;
  cpu: string;
  loadAverage: number[];
  results: Record<string, TimingSummary>;
}

export const PYTORCH_SYSTEM = 'pytorch-cpu';

/** Turns pytorch.json into a table column: its system row and one entry per workload. */
export function pytorchColumn(file: PytorchResults): {
  info: SystemInfo;
  entries: Record<string, Entry>;
} {
  const entries: Record<string, Entry> = {};
  for (const [id, timing] of Object.entries(file.results)) {
    entries[id] = { system: PYTORCH_SYSTEM, status: 'ok', timing };
  }
  return {
    info: {
      name: PYTORCH_SYSTEM,
      packages: { torch: file.torch },
      details:
        `timed by pytorch_bench.py on ${file.date} (a separate run), python ${file.python}, ` +
        `${file.threads} thread(s), ${file.cpu}, load average ${file.loadAverage.join(', ')}`,
    },
    entries,
  };
}
