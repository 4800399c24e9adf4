import { cpus, loadavg, totalmem } from 'node:os';
import type { Entry, WorkloadResult } from './harness.js';
import { GRADIENT_TOLERANCE } from './harness.js';
import type { RunPolicy } from './stats.js';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
}

export interface SystemInfo {
  name: string;
  packages: Record<string, string>;
  details: string;
}

/** Everything one bench run writes to latest.json. */
export interface BenchReport {
  date: string;
  machine: Machine;
  /** 1, 5 and 15 minute load averages at the start and the end of the run. */
  loadAverage: { start: number[]; end: number[] };
  policy: RunPolicy;
  gradientTolerance: number;
  systems: SystemInfo[];
  workloads: WorkloadResult[];
  durationSeconds: number;
}

export function describeMachine(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

export function loadAverage(): number[] {
  return loadavg().map((l) => Math.round(l * 100) / 100);
}

function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** Formats the cell of one system on one workload: median (min to max), or its status. */
function formatCell(entry: Entry): string {
  if (entry.status === 'unsupported') return 'unsupported';
  if (entry.status === 'failed') return 'failed';
  if (entry.status === 'over the cap') {
    const what = entry.overCapIn === 'setup' ? 'setup and gradient' : 'one run';
    return `over the cap (${what} ≥ ${formatMs(entry.warmupMs!)})`;
  }
  const t = entry.timing!;
  let runs = '';
  if (entry.cut) runs = `, ${t.runs} runs (time cap)`;
  else if (t.runs < 20) runs = `, ${t.runs} runs`;
  const wrong = entry.gradientWrong ? ' **wrong gradient**' : '';
  return `${formatMs(t.median)} (${formatMs(t.min)}–${formatMs(t.max)}${runs})${wrong}`;
}

/** Returns metagrad's median divided by the peer's, so below 1 means metagrad is faster. */
export function ratio(metagrad: Entry | undefined, peer: Entry): string {
  if (!metagrad?.timing || peer.gradientWrong) return '';
  // Only a stopped run bounds the peer's run time; a stopped setup bounds nothing.
  if (peer.status === 'over the cap' && peer.overCapIn === 'run') {
    return `< ${(metagrad.timing.median / peer.warmupMs!).toFixed(3)}`;
  }
  if (!peer.timing) return '';
  return (metagrad.timing.median / peer.timing.median).toFixed(2);
}

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|');
}

/** Renders the report as the markdown page results/latest.md. */
export function renderMarkdown(report: BenchReport): string {
  const { machine } = report;
  const lines: string[] = [
    '# metagrad side-by-side benchmark',
    '',
    `Run ${report.date} in ${report.durationSeconds.toFixed(0)} s on ${machine.cores} x ${machine.cpu}, ` +
      `${machine.memoryGiB} GiB, ${machine.platform}, Node ${machine.node}. Load average (1, 5, 15 min): ` +
      `${report.loadAverage.start.join(', ')} at the start, ${report.loadAverage.end.join(', ')} at the end.`,
    '',
    `Each cell is the median run time (min–max) of ${report.policy.runs} runs after warm-up, ` +
      `interleaved round by round between systems; ${report.policy.slowRuns} runs when one run takes over ` +
      `${report.policy.slowRunMs / 1000} s, fewer runs ("time cap") when ${report.policy.runs} runs would take over ` +
      `${report.policy.budgetMs / 1000} s, and no timed run ("over the cap") when the setup (with the gradient for the check) or a warm-up ` +
      `run took over ${report.policy.capMs / 1000} s, where it was stopped. The ratio is metagrad's median divided by the peer's: below 1, metagrad is faster. ` +
      `Inputs are float32. A gradient whose relative error against metagrad's float64 result exceeds ` +
      `${GRADIENT_TOLERANCE} is marked wrong and gets no ratio.`,
    '',
    '## Systems',
    '',
    '| system | packages | settings |',
    '| --- | --- | --- |',
    ...report.systems.map(
      (s) =>
        `| ${s.name} | ${Object.entries(s.packages)
          .map(([name, version]) => `${name} ${version}`)
          .join(', ')} | ${escapeCell(s.details)} |`,
    ),
    '',
  ];
  const names = report.systems.map((s) => s.name);
  const baseline = names.find((n) => n.startsWith('metagrad'));
  const peers = names.filter((n) => n !== baseline);
  lines.push(
    '## Run times',
    '',
    `| workload | ${names.join(' | ')} |`,
    `| --- | ${names.map(() => '---').join(' | ')} |`,
  );
  for (const workload of report.workloads) {
    const cells = names.map((name) => {
      const entry = workload.entries.find((e) => e.system === name);
      return entry ? formatCell(entry) : '';
    });
    lines.push(`| ${workload.title} | ${cells.join(' | ')} |`);
  }
  lines.push(
    '',
    `## Ratio ${baseline ?? 'metagrad'} / peer`,
    '',
    `| workload | ${peers.join(' | ')} |`,
    `| --- | ${peers.map(() => '---').join(' | ')} |`,
  );
  for (const workload of report.workloads) {
    const metagrad = workload.entries.find((e) => e.system === baseline);
    const cells = peers.map((name) => {
      const entry = workload.entries.find((e) => e.system === name);
      return entry ? ratio(metagrad, entry) : '';
    });
    lines.push(`| ${workload.title} | ${cells.join(' | ')} |`);
  }
  lines.push(
    '',
    '## Gradient check',
    '',
    "Relative error ||g - g_ref|| / ||g_ref|| of each system's float32 gradient against metagrad's float64 " +
      'gradient on the same weights and data (W2 to W4: the gradients of the input and weights; W5 and W6: the ' +
      'meta-gradient). For MAML, "order gap" is the distance between the first- and second-order meta-gradients: ' +
      'the error of a system that computes the wrong order.',
    '',
    `| workload | order gap | ${names.join(' | ')} |`,
    `| --- | --- | ${names.map(() => '---').join(' | ')} |`,
  );
  for (const workload of report.workloads) {
    // A report read back from JSON has null where a fresh one has undefined.
    if (!workload.entries.some((e) => typeof e.gradientError === 'number')) continue;
    const gap = typeof workload.orderGap === 'number' ? workload.orderGap.toExponential(2) : '';
    const cells = names.map((name) => {
      const error = workload.entries.find((e) => e.system === name)?.gradientError;
      return typeof error === 'number' ? error.toExponential(2) : '';
    });
    lines.push(`| ${workload.title} | ${gap} | ${cells.join(' | ')} |`);
  }
  const reasons = report.workloads.flatMap((w) =>
    w.entries
      .filter((e) => e.reason)
      .map((e) => `- ${w.title}, ${e.system}: ${e.status}: ${e.reason}`),
  );
  if (reasons.length > 0) lines.push('', '## Unsupported and failed runs', '', ...reasons);
  lines.push('');
  return lines.join('\n');
}
