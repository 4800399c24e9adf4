// Times the CPU kernels of the performance workloads: matmul 256 and 1024 (W1), and conv2d
// forward plus its input, weight and bias gradients (W2), all float32. Run after building:
//   node packages/backend-cpu/bench/kernels.mjs [runs]
// Prints min / median / max wall milliseconds and the median CPU milliseconds of the process,
// which is steadier than wall time on a machine shared with other jobs.
import { cpus, loadavg } from 'node:os';

const { registerCpuBackend } = await import(process.argv[3]);

import { Generator, randn, runKernel, tidy } from '@metagrad/core';

registerCpuBackend();
const runs = Number(process.argv[2] ?? 20);
const generator = new Generator(0);

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted.at(-1) };
}

function time(name, fn) {
  const warmup = 3;
  for (let i = 0; i < warmup; i++) tidy(fn);
  const wall = [];
  const cpu = [];
  for (let i = 0; i < runs; i++) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    tidy(fn);
    wall.push(performance.now() - start);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
  }
  const w = stats(wall);
  const c = stats(cpu);
  console.log(
    `${name.padEnd(34)} ${w.min.toFixed(2)} / ${w.median.toFixed(2)} / ${w.max.toFixed(2)}   cpu ${c.median.toFixed(2)}`,
  );
}

function matmulCase(n) {
  const a = randn([n, n], { generator });
  const b = randn([n, n], { generator });
  time(`W1 matmul ${n}x${n}`, () => {
    runKernel('MatMul', [a, b], { transposeA: false, transposeB: false }).dataSync();
  });
}

function convCase(inputShape, filters) {
  const [, c] = inputShape;
  const x = randn(inputShape, { generator });
  const w = randn([filters, c, 3, 3], { generator });
  const attrs = { stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1], groups: 1 };
  time(`W2 conv2d fwd+bwd [${inputShape}] x${filters}`, () => {
    const y = runKernel('Conv2D', [x, w], attrs);
    const dy = y;
    runKernel('Conv2DBackpropInput', [dy, w], { ...attrs, inputShape: [...x.shape] }).dataSync();
    runKernel('Conv2DBackpropFilter', [x, dy], { ...attrs, filterShape: [...w.shape] }).dataSync();
    runKernel('Reduce', [dy], { op: 'sum', axes: [0, 2, 3] }).dataSync();
  });
}

console.log(
  `node ${process.version}, ${cpus().length} x ${cpus()[0]?.model}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(
  `float32, ${runs} runs after 3 warm-up runs; wall ms min / median / max, cpu ms median`,
);
matmulCase(256);
matmulCase(1024);
convCase([25, 1, 28, 28], 64);
convCase([25, 64, 14, 14], 64);
