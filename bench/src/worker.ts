// The child process that runs one system on one workload for the parent's child runner. It
// answers each request message with one reply message.
import { localRunner, type PrepareResult } from './runner.js';
import { UnsupportedError } from './system.js';
import { SYSTEM_FACTORIES } from './systems/index.js';
import { makeInputs, WORKLOADS, type WorkloadId } from './workloads.js';

export type WorkerRequest = { type: 'prepare' } | { type: 'run' } | { type: 'close' };

export type WorkerReply =
  | ({ type: 'prepared' } & PrepareResult)
  | { type: 'ran'; ms: number }
  | { type: 'error'; unsupported: boolean; message: string };

function send(reply: WorkerReply): void {
  process.send?.(reply);
}

function main(): void {
  const [name, id] = process.argv.slice(2);
  const factory = SYSTEM_FACTORIES[name as keyof typeof SYSTEM_FACTORIES];
  if (!factory || !WORKLOADS.some((w) => w.id === id)) {
    throw new Error(`worker: unknown system '${name}' or workload '${id}'`);
  }
  const workloadId = id as WorkloadId;
  const runner = localRunner(factory, workloadId, () => makeInputs(workloadId), name);
  process.on('message', async (request: WorkerRequest) => {
    try {
      if (request.type === 'prepare') send({ type: 'prepared', ...(await runner.prepare(0)) });
      else if (request.type === 'run') send({ type: 'ran', ms: await runner.run(0) });
      else {
        runner.close();
        process.exit(0);
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      send({ type: 'error', unsupported: error instanceof UnsupportedError, message });
    }
  });
}

main();
