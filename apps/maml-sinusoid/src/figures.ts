import { Generator, linspace, noGrad, reshape, tidy } from '@metagrad/core';
import { adapt } from './maml.js';
import { forward, type MlpParams, replicate } from './model.js';
import { type Panel, type Series, writeChart } from './plots.js';
import { sampleTasks } from './tasks.js';
import type { TrainConfig } from './train.js';

/** Smooths a loss curve with a trailing moving average, so the trend shows through the noise. */
function movingAverage(values: number[], window: number): number[] {
  const out: number[] = [];
  let sum = 0;
  values.forEach((v, i) => {
    sum += v;
    if (i >= window) sum -= values[i - window];
    out.push(sum / Math.min(i + 1, window));
  });
  return out;
}

/** The meta-training loss of MAML and the baseline's training loss, per iteration. */
export async function plotLoss(
  path: string,
  losses: number[],
  baselineLosses: number[],
): Promise<void> {
  const window = Math.max(1, Math.round(losses.length / 50));
  const iterations = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
  const series: Series[] = [
    {
      name: 'MAML query loss',
      kind: 'line',
      x: iterations(losses.length),
      y: movingAverage(losses, window),
    },
  ];
  if (baselineLosses.length > 0) {
    series.push({
      name: 'baseline training loss',
      kind: 'line',
      x: iterations(baselineLosses.length),
      y: movingAverage(baselineLosses, window),
    });
  }
  await writeChart(
    path,
    [{ title: `training loss (moving average of ${window})`, series }],
    'iteration',
    'MSE',
  );
}

/** Three held-out tasks: the true curve, the support points, and predictions before and after adaptation. */
export async function plotTasks(
  path: string,
  params: MlpParams,
  baseline: MlpParams,
  config: TrainConfig,
): Promise<void> {
  const generator = new Generator(7);
  const tasks = 3;
  const batch = sampleTasks(generator, tasks, config.shots, 1, config.dtype);
  const grid = linspace(-5, 5, 100, { dtype: config.dtype });
  const xs = Array.from(grid.dataSync() as Float32Array);
  const gridBatch = noGrad(() => reshape(grid, [1, 100, 1]).expand([tasks, 100, 1]));
  const predict = (p: MlpParams, steps: number) =>
    tidy(() => {
      const fast = adapt(replicate(p, tasks), batch.xSupport, batch.ySupport, {
        steps,
        lr: config.innerLr,
        firstOrder: true,
      });
      return Array.from(forward(fast, gridBatch).dataSync());
    });
  const curves = {
    'MAML, 0 steps': predict(params, 0),
    'MAML, 10 steps': predict(params, 10),
    'baseline, 10 steps': predict(baseline, 10),
  };
  const xSupport = batch.xSupport.dataSync();
  const ySupport = batch.ySupport.dataSync();
  const panels: Panel[] = [];
  for (let t = 0; t < tasks; t++) {
    const truth = xs.map((x) => batch.amplitude[t] * Math.sin(x - batch.phase[t]));
    const series: Series[] = [{ name: 'true function', kind: 'line', x: xs, y: truth }];
    for (const [name, values] of Object.entries(curves)) {
      series.push({ name, kind: 'line', x: xs, y: values.slice(t * 100, (t + 1) * 100) });
    }
    series.push({
      name: `${config.shots} support points`,
      kind: 'points',
      x: xSupport.slice(t * config.shots, (t + 1) * config.shots),
      y: ySupport.slice(t * config.shots, (t + 1) * config.shots),
    });
    panels.push({
      title: `task ${t + 1}: A=${batch.amplitude[t].toFixed(2)}, phase=${batch.phase[t].toFixed(2)}`,
      series,
    });
  }
  await writeChart(path, panels, 'x', 'y');
  for (const t of [grid, gridBatch, batch.xSupport, batch.ySupport, batch.xQuery, batch.yQuery])
    t.dispose();
}
