import { fromTypedArray, type Generator, type Tensor } from '@metagrad/core';

/** The task distribution of Finn et al. (2017), section 5.1, as apps/maml-sinusoid trains on. */
export const AMPLITUDE_RANGE: readonly [number, number] = [0.1, 5];
export const PHASE_RANGE: readonly [number, number] = [0, Math.PI];
export const INPUT_RANGE: readonly [number, number] = [-5, 5];

/** One regression task: y = amplitude * sin(x - phase). */
export interface Sinusoid {
  amplitude: number;
  phase: number;
}

export function sampleSinusoid(generator: Generator): Sinusoid {
  return {
    amplitude: generator.uniform(...AMPLITUDE_RANGE),
    phase: generator.uniform(...PHASE_RANGE),
  };
}

export function evaluateSinusoid(task: Sinusoid, x: number): number {
  return task.amplitude * Math.sin(x - task.phase);
}

/** Meta-training tasks: inputs and targets are float32 tensors of shape [tasks, points, 1]. */
export interface TaskBatch {
  xSupport: Tensor;
  ySupport: Tensor;
  xQuery: Tensor;
  yQuery: Tensor;
}

function samplePoints(generator: Generator, tasks: Sinusoid[], points: number): [Tensor, Tensor] {
  const x = new Float32Array(tasks.length * points);
  const y = new Float32Array(tasks.length * points);
  tasks.forEach((task, t) => {
    for (let i = 0; i < points; i++) {
      const value = generator.uniform(...INPUT_RANGE);
      x[t * points + i] = value;
      y[t * points + i] = evaluateSinusoid(task, value);
    }
  });
  const shape = [tasks.length, points, 1];
  return [fromTypedArray(x, shape, 'float32'), fromTypedArray(y, shape, 'float32')];
}

/** Samples `tasks` sinusoids with `shots` support points and `shots` query points each. */
export function sampleTaskBatch(generator: Generator, tasks: number, shots: number): TaskBatch {
  const sinusoids = Array.from({ length: tasks }, () => sampleSinusoid(generator));
  const [xSupport, ySupport] = samplePoints(generator, sinusoids, shots);
  const [xQuery, yQuery] = samplePoints(generator, sinusoids, shots);
  return { xSupport, ySupport, xQuery, yQuery };
}
