import { type ChildProcess, fork } from 'node:child_process';
import { OverCapError, type PrepareResult, type Runner } from './runner.js';
import { UnsupportedError } from './system.js';
import type { WorkerReply, WorkerRequest } from './worker.js';

/**
 * Runs a system in a child process (dist/worker.js), so that a run over the cap can be stopped
 * and each library gets a fresh process with nothing left over from the others.
 */
export function childRunner(workerPath: string, name: string, workloadId: string): Runner {
  let child: ChildProcess | undefined;
  const start = () => {
    child = fork(workerPath, [name, workloadId], {
      serialization: 'advanced',
      // The libraries print banners on stdout; their errors come back as messages.
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    return child;
  };

  const request = (message: WorkerRequest, timeoutMs: number) =>
    new Promise<WorkerReply>((resolve, reject) => {
      const worker = child ?? start();
      const started = performance.now();
      const cleanUp = () => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('exit', onExit);
      };
      const onMessage = (reply: WorkerReply) => {
        cleanUp();
        if (reply.type !== 'error') resolve(reply);
        else
          reject(
            reply.unsupported ? new UnsupportedError(reply.message) : new Error(reply.message),
          );
      };
      const onExit = (code: number | null, signal: string | null) => {
        cleanUp();
        child = undefined;
        reject(new Error(`the worker process exited (code ${code}, signal ${signal})`));
      };
      const timer = setTimeout(() => {
        cleanUp();
        worker.kill('SIGKILL');
        child = undefined;
        reject(new OverCapError(performance.now() - started));
      }, timeoutMs);
      worker.on('message', onMessage);
      worker.on('exit', onExit);
      worker.send(message);
    });

  return {
    name,
    prepare: async (timeoutMs) => {
      const reply = await request({ type: 'prepare' }, timeoutMs);
      if (reply.type !== 'prepared')
        throw new Error(`worker: expected 'prepared', got '${reply.type}'`);
      return { info: reply.info, gradient: reply.gradient } satisfies PrepareResult;
    },
    run: async (timeoutMs) => {
      const reply = await request({ type: 'run' }, timeoutMs);
      if (reply.type !== 'ran') throw new Error(`worker: expected 'ran', got '${reply.type}'`);
      return reply.ms;
    },
    close: () => {
      if (child?.connected) child.send({ type: 'close' } satisfies WorkerRequest);
      child = undefined;
    },
  };
}
