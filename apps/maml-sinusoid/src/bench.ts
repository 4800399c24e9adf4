import { cpus, loadavg } from 'node:os';
import { registerCpuBackend } from '@metagrad/backend-cpu';
import { Generator, tidy } from '@metagrad/core';
import { Adam } from '@metagrad/optim';
import { metaGradient } from './maml.js';
import { initMlp, type MlpParams } from './model.js';
import { sampleTasks } from './tasks.js';

/**
 * Times one MAML meta-iteration (meta-batch 25, K = 10, one inner step, Adam update), second
 * and first order: the median of 30 runs after 5 warm-up runs, with min and max.
 */
function time(firstOrder: boolean): { min: number; median: number; max: number } {
  const generator = new Generator(0);
  const optimizer = new Adam<MlpParams>(initMlp(generator), { lr: 1e-3 });
  const step = () =>
    tidy(() => {
      const batch = sampleTasks(generator, 25, 10, 10);
      const [loss, grads] = metaGradient(optimizer.params, batch, {
        steps: 1,
        lr: 0.01,
        firstOrder,
      });
      optimizer.step(grads);
      return loss.item();
    });
  for (let i = 0; i < 5; i++) step();
  const times: number[] = [];
  for (let i = 0; i < 30; i++) {
    const start = performance.now();
    step();
    times.push(performance.now() - start);
  }
  optimizer.dispose();
  times.sort((a, b) => a - b);
  return { min: times[0], median: times[Math.floor(times.length / 2)], max: times.at(-1)! };
}

registerCpuBackend();
console.log(
  `node ${process.version}, ${cpus().length} x ${cpus()[0]?.model}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(
  'MAML sinusoid meta-iteration (meta-batch 25, K=10, 1 inner step), ms: min / median / max',
);
for (const firstOrder of [false, true]) {
  const t = time(firstOrder);
  console.log(
    `${firstOrder ? 'first order ' : 'second order'}  ${t.min.toFixed(1)} / ${t.median.toFixed(1)} / ${t.max.toFixed(1)}`,
  );
}
