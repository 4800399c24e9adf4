import { registerCpuBackend } from '@metagrad/backend-cpu';
import { dispose, grad, matmul, setBackend, type Tensor, tidy } from '@metagrad/core';
import { Adam } from '@metagrad/optim';
import type { Prepared, System } from '../system.js';
import {
  batchNormProblem,
  convProblem,
  type GradientProblem,
  lstmProblem,
  omniglotMetaGradient,
  omniglotTasks,
  type Params,
  sineBatch,
  sineMetaGradient,
  toHost,
  toParams,
  toTensor,
} from './metagrad_models.js';

const DTYPE = 'float32';

function matmulRun(a: Tensor, b: Tensor): Prepared {
  return {
    run: () => {
      tidy(() => matmul(a, b));
    },
    dispose: () => dispose([a, b]),
  };
}

/** A forward+backward run that builds everything inside tidy() and keeps nothing. */
function gradientRun({ leaves, constants, loss }: GradientProblem): Prepared {
  return {
    run: () => {
      tidy(() => grad(loss)(leaves));
    },
    gradient: async () => {
      // Inside tidy, so that the graph's intermediates are freed as in `run`.
      const grads = tidy(() => grad(loss)(leaves) as Params);
      const host = await toHost(grads);
      dispose(grads);
      return host;
    },
    dispose: () => dispose([leaves, constants]),
  };
}

/** A MAML meta-iteration: the meta-gradient, then one Adam step that the optimizer keeps. */
function metaIteration(
  params: Params,
  data: unknown,
  metaLr: number,
  metaGradient: (p: Params) => [Tensor, Params],
): Prepared {
  const optimizer = new Adam<Params>(params, { lr: metaLr });
  return {
    run: () =>
      tidy(() => {
        const [, grads] = metaGradient(optimizer.params);
        optimizer.step(grads);
      }),
    gradient: async () => {
      // Inside tidy, so that the graph's intermediates are freed as in `run`.
      const grads = tidy(() => metaGradient(optimizer.params)[1]);
      const host = await toHost(grads);
      dispose(grads);
      return host;
    },
    dispose: () => {
      optimizer.dispose();
      dispose(data);
    },
  };
}

/** metagrad on its CPU backend, in float32. */
export function metagradCpu(version: string): System {
  registerCpuBackend();
  return {
    name: 'metagrad-cpu',
    packages: { '@metagrad/core': version },
    details: 'backend cpu, float32',
    activate: async () => setBackend('cpu'),
    prepare: {
      matmul256: ({ a, b }) => matmulRun(toTensor(a, DTYPE), toTensor(b, DTYPE)),
      matmul1024: ({ a, b }) => matmulRun(toTensor(a, DTYPE), toTensor(b, DTYPE)),
      conv1: (inputs) => gradientRun(convProblem(inputs, DTYPE)),
      conv64: (inputs) => gradientRun(convProblem(inputs, DTYPE)),
      batchNorm: (inputs) => gradientRun(batchNormProblem(inputs, DTYPE)),
      lstm: (inputs) => gradientRun(lstmProblem(inputs, DTYPE)),
      mamlSine2: (inputs) => {
        const batch = sineBatch(inputs, DTYPE);
        const params = toParams(inputs.params, DTYPE);
        return metaIteration(params, batch, inputs.metaLr, (p) => sineMetaGradient(p, batch));
      },
      mamlSine1: (inputs) => {
        const batch = sineBatch(inputs, DTYPE);
        const params = toParams(inputs.params, DTYPE);
        return metaIteration(params, batch, inputs.metaLr, (p) => sineMetaGradient(p, batch));
      },
      mamlOmniglot: (inputs) => {
        const tasks = omniglotTasks(inputs, DTYPE);
        const params = toParams(inputs.params, DTYPE);
        return metaIteration(params, tasks, inputs.metaLr, (p) =>
          omniglotMetaGradient(p, tasks, inputs.innerLr),
        );
      },
    },
  };
}
