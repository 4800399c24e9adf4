import cliProgress from 'cli-progress';

/** Reports training progress: a progress bar on a terminal, plain log lines otherwise. */
export interface Progress {
  /** `accuracy` is the fraction of correct predictions of the iteration, NaN if not measured. */
  update(iteration: number, loss: number, accuracy: number): void;
  stop(): void;
}

/** Averages the accuracy of the last iterations, because one meta-batch's accuracy is noisy. */
function runningMean(window: number): (value: number) => number {
  const recent: number[] = [];
  return (value) => {
    recent.push(value);
    if (recent.length > window) recent.shift();
    return recent.reduce((a, b) => a + b, 0) / recent.length;
  };
}

export function createProgress(label: string, total: number): Progress {
  const began = performance.now();
  const rate = (iteration: number) =>
    iteration / Math.max((performance.now() - began) / 1000, 1e-9);
  const smooth = runningMean(20);
  const percent = (accuracy: number) =>
    Number.isNaN(accuracy) ? '-' : `${(100 * smooth(accuracy)).toFixed(1)}%`;
  const fixed = (loss: number) => (Number.isNaN(loss) ? '-' : loss.toFixed(4));
  if (process.stdout.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {value}/{total} | loss {loss} | accuracy {accuracy} | {rate} it/s | eta {eta_formatted}`,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { loss: '-', accuracy: '-', rate: '-' });
    return {
      update: (iteration, loss, accuracy) =>
        bar.update(iteration, {
          loss: fixed(loss),
          accuracy: percent(accuracy),
          rate: rate(iteration).toFixed(2),
        }),
      stop: () => bar.stop(),
    };
  }
  const every = Math.max(1, Math.round(total / 10));
  return {
    update(iteration, loss, accuracy) {
      const shown = percent(accuracy);
      if (iteration !== total && iteration % every !== 0) return;
      const parts = [`${label} ${iteration}/${total}`];
      if (!Number.isNaN(loss)) parts.push(`loss ${fixed(loss)}`);
      if (!Number.isNaN(accuracy)) parts.push(`accuracy ${shown} (mean of the last 20)`);
      parts.push(`${rate(iteration).toFixed(2)} it/s`);
      console.log(parts.join(' '));
    },
    stop() {},
  };
}
