import cliProgress from 'cli-progress';

/** Reports training progress: a progress bar on a terminal, plain log lines otherwise. */
export interface Progress {
  update(iteration: number, loss: number, accuracy: number): void;
  stop(): void;
}

export function createProgress(label: string, start: number, total: number): Progress {
  const began = performance.now();
  const rate = (iteration: number) =>
    (iteration - start) / Math.max((performance.now() - began) / 1000, 1e-9);
  if (process.stdout.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {value}/{total} | loss {loss} | acc {accuracy} | {rate} it/s | eta {eta_formatted}`,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, start, { loss: '-', accuracy: '-', rate: '-' });
    return {
      update: (iteration, loss, accuracy) =>
        bar.update(iteration, {
          loss: loss.toFixed(4),
          accuracy: accuracy.toFixed(3),
          rate: rate(iteration).toFixed(2),
        }),
      stop: () => bar.stop(),
    };
  }
  const every = Math.max(1, Math.round((total - start) / 10));
  return {
    update(iteration, loss, accuracy) {
      if (iteration === total || (iteration - start) % every === 0) {
        console.log(
          `${label} ${iteration}/${total} loss ${loss.toFixed(4)} acc ${accuracy.toFixed(3)} ${rate(iteration).toFixed(2)} it/s`,
        );
      }
    },
    stop() {},
  };
}
