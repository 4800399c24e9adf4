import { registerCpuBackend } from '@metagrad/backend-cpu';
import { dispose, grad, setBackend, type Tensor, tidy } from '@metagrad/core';
import { flattenParams, type HostParams } from './data.js';
import { relativeError } from './stats.js';
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
} from './systems/metagrad_models.js';
import {
  OMNIGLOT_PARAM_NAMES,
  SINE_PARAM_NAMES,
  type WorkloadId,
  type WorkloadInputs,
} from './workloads.js';

/** metagrad's float64 gradient of a workload, which every system's float32 result is checked against. */
export interface Reference {
  /** The order of the parameters in `gradient`. */
  names: readonly string[];
  gradient: Float64Array;
  /**
   * MAML workloads: the relative distance between the first- and the second-order
   * meta-gradient, which is the error of a system that drops (or adds) the second-order terms.
   */
  orderGap?: number;
}

async function problemGradient(problem: GradientProblem): Promise<HostParams> {
  const grads = tidy(() => grad(problem.loss)(problem.leaves) as Params);
  const host = await toHost(grads);
  dispose([grads, problem.leaves, problem.constants]);
  return host;
}

async function metaGradientOfBothOrders(
  compute: (firstOrder: boolean) => [Tensor, Params],
  names: readonly string[],
  firstOrder: boolean,
): Promise<Reference> {
  const [wanted, other] = await Promise.all(
    [firstOrder, !firstOrder].map(async (order) => {
      // Inside tidy, so that the graph's intermediates are freed.
      const grads = tidy(() => compute(order)[1]);
      const host = await toHost(grads);
      dispose(grads);
      return flattenParams(host, names);
    }),
  );
  return { names, gradient: wanted, orderGap: relativeError(other, wanted) };
}

/** Computes the float64 reference gradient of a workload, or null for a workload without one. */
export async function computeReference<K extends WorkloadId>(
  id: K,
  workloadInputs: WorkloadInputs[K],
): Promise<Reference | null> {
  registerCpuBackend();
  setBackend('cpu');
  const dtype = 'float64';
  const inputs = workloadInputs as WorkloadInputs[WorkloadId];
  const fromProblem = async (problem: GradientProblem): Promise<Reference> => {
    const names = Object.keys(problem.leaves);
    return { names, gradient: flattenParams(await problemGradient(problem), names) };
  };
  switch (id) {
    case 'matmul256':
    case 'matmul1024':
      return null;
    case 'conv1':
    case 'conv64':
      return fromProblem(convProblem(inputs as WorkloadInputs['conv1'], dtype));
    case 'batchNorm':
      return fromProblem(batchNormProblem(inputs as WorkloadInputs['batchNorm'], dtype));
    case 'lstm':
      return fromProblem(lstmProblem(inputs as WorkloadInputs['lstm'], dtype));
    case 'mamlSine1':
    case 'mamlSine2': {
      const sine = inputs as WorkloadInputs['mamlSine2'];
      const params = toParams(sine.params, dtype);
      const batch = sineBatch(sine, dtype);
      const reference = await metaGradientOfBothOrders(
        (firstOrder) => sineMetaGradient(params, { ...batch, firstOrder }),
        SINE_PARAM_NAMES,
        sine.firstOrder,
      );
      dispose([params, batch]);
      return reference;
    }
    case 'mamlOmniglot': {
      const omniglot = inputs as WorkloadInputs['mamlOmniglot'];
      const params = toParams(omniglot.params, dtype);
      const tasks = omniglotTasks(omniglot, dtype);
      const reference = await metaGradientOfBothOrders(
        (firstOrder) => omniglotMetaGradient(params, tasks, omniglot.innerLr, firstOrder),
        OMNIGLOT_PARAM_NAMES,
        false,
      );
      dispose([params, tasks]);
      return reference;
    }
  }
  throw new Error(`computeReference: unknown workload '${id}'`);
}
