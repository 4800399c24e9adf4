#!/usr/bin/env node
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { childRunner } from './child_runner.js';
import { GRADIENT_TOLERANCE, runWorkload, type WorkloadResult } from './harness.js';
import { pytorchRunner } from './python_runner.js';
import { PYTORCH_SYSTEM, pytorchColumn } from './pytorch.js';
import { computeReference } from './reference.js';
import {
  type BenchReport,
  describeMachine,
  loadAverage,
  renderMarkdown,
  type SystemInfo,
} from './report.js';
import { DEFAULT_POLICY, type RunPolicy } from './stats.js';
import { SYSTEM_NAMES } from './systems/names.js';
import { makeInputs, WORKLOADS } from './workloads.js';

/** The JavaScript systems, then PyTorch in a Python child process. */
const ALL_SYSTEMS: readonly string[] = [...SYSTEM_NAMES, PYTORCH_SYSTEM];

const USAGE = `Usage: node dist/cli.js [options]

Times metagrad side by side with jax-js, TensorFlow.js, js-pytorch and PyTorch (through
pytorch_bench.py --serve, where python3-torch is installed) on the workloads W1 to W6 and writes
results/latest.md and results/latest.json. When the run did not time PyTorch, the times in
results/pytorch.json (from /usr/bin/python3 pytorch_bench.py) are merged in where present.

Options:
  --workloads LIST   comma-separated workload ids (default: all): ${WORKLOADS.map((w) => w.id).join(', ')}
  --systems LIST     comma-separated system names (default: all): ${ALL_SYSTEMS.join(', ')}
  --runs N           timed runs per system when a run is fast (default ${DEFAULT_POLICY.runs})
  --budget S         seconds one system may spend on one workload before its runs are cut (default ${DEFAULT_POLICY.budgetMs / 1000})
  --cap S            seconds after which a setup or warm-up run is stopped, as over the cap (default ${DEFAULT_POLICY.capMs / 1000})
  --render           only rewrite latest.md from latest.json, merging pytorch.json when present
  --out DIR          output folder (default: results next to this package)
  -h, --help         show this help
`;

function parseList(value: string | undefined, known: readonly string[], option: string): string[] {
  if (value === undefined) return [...known];
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const item of items) {
    if (!known.includes(item)) {
      throw new Error(`--${option}: unknown name '${item}'; expected some of ${known.join(', ')}`);
    }
  }
  return items;
}

function positiveNumber(option: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`--${option} must be a positive number, got '${value}'`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      workloads: { type: 'string' },
      systems: { type: 'string' },
      runs: { type: 'string' },
      budget: { type: 'string' },
      cap: { type: 'string' },
      out: { type: 'string' },
      render: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const workloadIds = parseList(
    values.workloads,
    WORKLOADS.map((w) => w.id),
    'workloads',
  );
  const systemNames = parseList(values.systems, ALL_SYSTEMS, 'systems');
  const policy: RunPolicy = {
    ...DEFAULT_POLICY,
    runs: Math.round(positiveNumber('runs', values.runs, DEFAULT_POLICY.runs)),
    budgetMs: positiveNumber('budget', values.budget, DEFAULT_POLICY.budgetMs / 1000) * 1000,
    capMs: positiveNumber('cap', values.cap, DEFAULT_POLICY.capMs / 1000) * 1000,
  };
  const distDir = dirname(fileURLToPath(import.meta.url));
  const out = resolve(values.out ?? join(distDir, '..', 'results'));
  if (values.render) {
    const latest = join(out, 'latest.json');
    if (!existsSync(latest)) throw new Error(`--render: ${latest} not found; run the bench first`);
    writeReport(JSON.parse(readFileSync(latest, 'utf8')) as BenchReport, out);
    return;
  }

  const started = performance.now();
  const loadStart = loadAverage();
  const workerPath = join(distDir, 'worker.js');
  const pytorchScript = join(distDir, '..', 'pytorch_bench.py');
  const infoByName = new Map<string, SystemInfo>();
  const workloads: WorkloadResult[] = [];
  for (const workload of WORKLOADS.filter((w) => workloadIds.includes(w.id))) {
    console.log(workload.title);
    const inputs = makeInputs(workload.id);
    const referenceStart = performance.now();
    const reference = await computeReference(workload.id, inputs);
    if (reference) {
      const seconds = (performance.now() - referenceStart) / 1000;
      console.log(`  float64 reference (metagrad cpu): ${seconds.toFixed(1)} s`);
    }
    const runners = systemNames.map((name) =>
      name === PYTORCH_SYSTEM
        ? pytorchRunner(pytorchScript, workload.id)
        : childRunner(workerPath, name, workload.id),
    );
    const { result, infos } = await runWorkload(workload, runners, reference, policy, (line) =>
      console.log(line),
    );
    workloads.push(result);
    for (const info of infos) if (!infoByName.has(info.name)) infoByName.set(info.name, info);
  }

  const infos: SystemInfo[] = systemNames.map(
    (name) =>
      infoByName.get(name) ?? {
        name,
        packages: {},
        details: 'could not be set up (see the errors below)',
      },
  );
  const report: BenchReport = {
    date: new Date().toISOString(),
    machine: describeMachine(),
    loadAverage: { start: loadStart, end: loadAverage() },
    policy,
    gradientTolerance: GRADIENT_TOLERANCE,
    systems: infos,
    workloads,
    durationSeconds: (performance.now() - started) / 1000,
  };
  writeReport(report, out);
}

/**
 * Replaces the PyTorch column of the report with results/pytorch.json, when that file exists and
 * the run itself has no PyTorch times.
 */
function mergePytorch(report: BenchReport, out: string): void {
  const timed = report.workloads.some((w) =>
    w.entries.some((e) => e.system === PYTORCH_SYSTEM && e.status === 'ok'),
  );
  if (timed) return;
  report.systems = report.systems.filter((s) => s.name !== PYTORCH_SYSTEM);
  for (const workload of report.workloads) {
    workload.entries = workload.entries.filter((e) => e.system !== PYTORCH_SYSTEM);
  }
  const pytorchFile = join(out, 'pytorch.json');
  if (!existsSync(pytorchFile)) return;
  const column = pytorchColumn(JSON.parse(readFileSync(pytorchFile, 'utf8')));
  report.systems.push(column.info);
  for (const workload of report.workloads) {
    const entry = column.entries[workload.id];
    if (entry) workload.entries.push(entry);
  }
}

function writeReport(report: BenchReport, out: string): void {
  mergePytorch(report, out);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(out, 'latest.md'), renderMarkdown(report));
  console.log(`wrote ${join(out, 'latest.md')} and latest.json`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
