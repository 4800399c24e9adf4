import cliProgress from 'cli-progress';

/** Reports training progress: a progress bar on a terminal, plain log lines otherwise. */
export interface Progress {
  update(iteration: number, loss: number): void;
  stop(): void;
}

export function createProgress(label: string, start: number, total: number): Progress {
  const began = performance.now();
  const rate = (iteration: number) =>
    (iteration - start) / Math.max((performance.now() - began) / 1000, 1e-9);
  if (process.stdout.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {value}/{total} | loss {loss} | {rate} it/s | eta {eta_formatted}`,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, start, { loss: '-', rate: '-' });
    return {
      update: (iteration, loss) =>
        bar.update(iteration, { loss: loss.toFixed(4), rate: rate(iteration).toFixed(1) }),
      stop: () => bar.stop(),
    };
  }
  const every = Math.max(1, Math.round((total - start) / 10));
  return {
    update(iteration, loss) {
      if (iteration === total || (iteration - start) % every === 0) {
        console.log(
          `${label} ${iteration}/${total} loss ${loss.toFixed(4)} ${rate(iteration).toFixed(1)} it/s`,
        );
      }
    },
    stop() {},
  };
}
