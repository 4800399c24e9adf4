import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { registerCpuBackend } from '@metagrad/backend-cpu';
import { Generator, tidy } from '@metagrad/core';
import { sampleTaskBatch, trainingClasses } from './data.js';
import { metaGradient } from './maml.js';
import { initConvNet } from './model.js';

/**
 * Times one meta-gradient (no optimizer step) on 5-way 1-shot tasks: all tasks in one grouped
 * call, and the same tasks one call at a time. Prints the median CPU time of `--repeats` runs
 * after one warm-up run, because wall time on a shared machine depends on the other load.
 */
const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '4' },
    queries: { type: 'string', default: '1' },
    ways: { type: 'string', default: '5' },
    repeats: { type: 'string', default: '3' },
    'max-pool': { type: 'boolean', default: false },
  },
});
const tasks = Number(values.tasks);
const ways = Number(values.ways);
const queries = Number(values.queries);
const repeats = Number(values.repeats);
const architecture = { maxPool: values['max-pool'] ?? false };

registerCpuBackend();
const classes = trainingClasses('both');
const generator = new Generator(0);
const params = initConvNet({ ways, filters: 64, ...architecture }, generator);
const sampling = { tasks, ways, shots: 1, queries, augment: false };

function median(run: () => void): number {
  run();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = process.cpuUsage();
    run();
    const used = process.cpuUsage(start);
    times.push((used.user + used.system) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

console.log(
  `node ${process.version}, ${cpus().length} x ${cpus()[0]?.model}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(
  `meta-gradient, ${tasks} tasks of ${ways}-way 1-shot, ${queries} queries per class, ${architecture.maxPool ? 'max-pool' : 'strided'} net, CPU ms (median of ${repeats})`,
);
for (const firstOrder of [false, true]) {
  const inner = { steps: 1, lr: 0.4, firstOrder };
  const grouped = median(() =>
    tidy(() => {
      const batch = sampleTaskBatch(classes, sampling, generator);
      metaGradient(params, batch, inner, architecture).loss.item();
    }),
  );
  const looped = median(() =>
    tidy(() => {
      for (let t = 0; t < tasks; t++) {
        const batch = sampleTaskBatch(classes, { ...sampling, tasks: 1 }, generator);
        metaGradient(params, batch, inner, architecture).loss.item();
      }
    }),
  );
  const order = firstOrder ? 'first order ' : 'second order';
  console.log(`${order}  grouped ${grouped.toFixed(0)}  one task at a time ${looped.toFixed(0)}`);
}
