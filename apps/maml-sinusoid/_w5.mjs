// W5: one MAML sinusoid meta-iteration (meta-batch 25, K=10, one inner step, Adam), timed in
// CPU milliseconds of the process. Usage: node w5.mjs <backend-cpu dist/index.js> [runs]
import { Generator, tidy } from '@metagrad/core';
import { Adam } from '@metagrad/optim';
import { initMlp, metaGradient, sampleTasks } from '/work/main/apps/maml-sinusoid/dist/index.js';

const { registerCpuBackend } = await import(process.argv[2]);
registerCpuBackend();
const runs = Number(process.argv[3] ?? 30);
for (const firstOrder of [false, true]) {
  const generator = new Generator(0);
  const optimizer = new Adam(initMlp(generator), { lr: 1e-3 });
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
  for (let i = 0; i < 10; i++) step();
  const cpu = [],
    wall = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    step();
    wall.push(performance.now() - t0);
    const u = process.cpuUsage(c0);
    cpu.push((u.user + u.system) / 1000);
  }
  cpu.sort((a, b) => a - b);
  wall.sort((a, b) => a - b);
  const med = (v) => v[Math.floor(v.length / 2)];
  console.log(
    `${firstOrder ? 'first order ' : 'second order'} cpu min/median ${cpu[0].toFixed(1)} / ${med(cpu).toFixed(1)}  wall min/median ${wall[0].toFixed(1)} / ${med(wall).toFixed(1)}`,
  );
}
