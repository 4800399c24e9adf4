#!/usr/bin/env node
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runWorkload, type WorkloadResult } from './harness.js';
import { pytorchColumn } from './pytorch.js';
import { computeReference } from './reference.js';
import {
  type BenchReport,
  describeMachine,
  loadAverage,
  renderMarkdown,
  type SystemInfo,
} from './report.js';
import { DEFAULT_POLICY, type RunPolicy } from './stats.js';
import type { System } from './system.js';
import { jaxSystem } from './systems/jax.js';
import { jsPytorchSystem } from './systems/js_pytorch.js';
import { metagradCpu } from './systems/metagrad.js';
import { tfjsSystem } from './systems/tfjs.js';
import { packageVersion } from './versions.js';
import { makeInputs, WORKLOADS } from './workloads.js';

const USAGE = `Usage: node dist/cli.js [options]

Times metagrad side by side with jax-js, TensorFlow.js and js-pytorch on the workloads W1 to W6
and writes results/latest.md and results/latest.json (with results/pytorch.json merged in when
present).

Options:
  --workloads LIST   comma-separated workload ids (default: all): ${WORKLOADS.map((w) => w.id).join(', ')}
  --systems LIST     comma-separated system names (default: all): ${Object.keys(FACTORIES()).join(', ')}
  --runs N           timed runs per system when a run is fast (default ${DEFAULT_POLICY.runs})
  --budget S         seconds one system may spend on one workload before its runs are cut (default ${DEFAULT_POLICY.budgetMs / 1000})
  --cap S            a warm-up run longer than this many seconds is not timed further (default ${DEFAULT_POLICY.capMs / 1000})
  --out DIR          output folder (default: results next to this package)
  -h, --help         show this help
`;

/** Returns the system factories by name. A factory sets up its library or raises the reason it cannot. */
function FACTORIES(): Record<string, () => Promise<System>> {
  return {
    'metagrad-cpu': async () => metagradCpu(packageVersion('@metagrad/core')),
    'jax-js-eager': () => jaxSystem(false),
    'jax-js-jit': () => jaxSystem(true),
    'tfjs-cpu': () => tfjsSystem('cpu'),
    'tfjs-wasm': () => tfjsSystem('wasm'),
    'js-pytorch': () => jsPytorchSystem(),
  };
}

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
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const factories = FACTORIES();
  const workloadIds = parseList(
    values.workloads,
    WORKLOADS.map((w) => w.id),
    'workloads',
  );
  const systemNames = parseList(values.systems, Object.keys(factories), 'systems');
  const policy: RunPolicy = {
    ...DEFAULT_POLICY,
    runs: Math.round(positiveNumber('runs', values.runs, DEFAULT_POLICY.runs)),
    budgetMs: positiveNumber('budget', values.budget, DEFAULT_POLICY.budgetMs / 1000) * 1000,
    capMs: positiveNumber('cap', values.cap, DEFAULT_POLICY.capMs / 1000) * 1000,
  };
  const distDir = dirname(fileURLToPath(import.meta.url));
  const out = resolve(values.out ?? join(distDir, '..', 'results'));

  const started = performance.now();
  const loadStart = loadAverage();
  const systems: System[] = [];
  const unavailable: BenchReport['unavailable'] = [];
  for (const name of systemNames) {
    try {
      systems.push(await factories[name]());
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      unavailable.push({ name, reason });
      console.log(`${name}: unavailable: ${reason}`);
    }
  }

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
    workloads.push(
      await runWorkload(workload, inputs, systems, reference, policy, (line) => console.log(line)),
    );
  }

  const infos: SystemInfo[] = systems.map(({ name, packages, details }) => ({
    name,
    packages,
    details,
  }));
  const pytorchFile = join(out, 'pytorch.json');
  if (existsSync(pytorchFile)) {
    const column = pytorchColumn(JSON.parse(readFileSync(pytorchFile, 'utf8')));
    infos.push(column.info);
    for (const workload of workloads) {
      const entry = column.entries[workload.id];
      if (entry) workload.entries.push(entry);
    }
  }

  const report: BenchReport = {
    date: new Date().toISOString(),
    machine: describeMachine(),
    loadAverage: { start: loadStart, end: loadAverage() },
    policy,
    gradientTolerance: 1e-3,
    systems: infos,
    unavailable,
    workloads,
    durationSeconds: (performance.now() - started) / 1000,
  };
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
