import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { PYTORCH_SYSTEM } from './pytorch.js';
import { OverCapError, type PrepareResult, type Runner } from './runner.js';
import { UnsupportedError } from './system.js';

/** Returns the interpreter with python3-torch: Debian's, unless METAGRAD_BENCH_PYTHON names another. */
export function pythonPath(): string {
  return process.env.METAGRAD_BENCH_PYTHON ?? '/usr/bin/python3';
}

/** A reply line of `pytorch_bench.py --serve`. */
type ServeReply =
  | { type: 'prepared'; torch: string; python: string; threads: number }
  | { type: 'ran'; ms: number }
  | { type: 'error'; message: string };

/**
 * Runs PyTorch on one workload in a Python child process (`pytorch_bench.py --serve`), so that
 * its runs interleave with the other systems' like those of a JavaScript system. It reports no
 * gradient: the script builds its own inputs of the same shapes.
 */
export function pytorchRunner(scriptPath: string, workloadId: string): Runner {
  let child: ChildProcess | undefined;
  let replies: AsyncIterator<string> | undefined;

  const stop = () => {
    child?.kill('SIGKILL');
    child = undefined;
    replies = undefined;
  };

  /** Waits for the next reply line, stopping the child when it takes longer than `timeoutMs`. */
  const nextReply = async (timeoutMs: number): Promise<ServeReply> => {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        stop();
        reject(new OverCapError(performance.now() - started));
      }, timeoutMs);
    });
    try {
      const line = await Promise.race([replies!.next(), timeout]);
      if (line.done) throw new Error('pytorch_bench.py exited without a reply');
      return JSON.parse(line.value) as ServeReply;
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    name: PYTORCH_SYSTEM,
    prepare: async (timeoutMs): Promise<PrepareResult> => {
      const started = spawn(pythonPath(), [scriptPath, '--serve', workloadId], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      const spawned = await new Promise<boolean>((resolve) => {
        started.once('spawn', () => resolve(true));
        started.once('error', () => resolve(false));
      });
      if (!spawned) {
        throw new UnsupportedError(`${pythonPath()} not found; install python3-torch`);
      }
      child = started;
      replies = createInterface({ input: started.stdout! })[Symbol.asyncIterator]();
      const reply = await nextReply(timeoutMs).catch((error: unknown) => {
        throw error instanceof OverCapError
          ? error
          : new UnsupportedError(`PyTorch could not be started: ${String(error)}`);
      });
      if (reply.type !== 'prepared') throw new Error(`pytorch_bench.py: ${JSON.stringify(reply)}`);
      return {
        info: {
          name: PYTORCH_SYSTEM,
          packages: { torch: reply.torch },
          details: `python ${reply.python}, ${reply.threads} thread(s), pytorch_bench.py --serve`,
        },
      };
    },
    run: async (timeoutMs) => {
      if (!child?.stdin) throw new Error('pytorch-cpu: run() before prepare()');
      child.stdin.write('run\n');
      const reply = await nextReply(timeoutMs);
      if (reply.type !== 'ran') throw new Error(`pytorch_bench.py: ${JSON.stringify(reply)}`);
      return reply.ms;
    },
    close: () => {
      if (child?.stdin?.writable) child.stdin.end('close\n');
      child = undefined;
      replies = undefined;
    },
  };
}
