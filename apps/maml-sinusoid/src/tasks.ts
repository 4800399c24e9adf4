import { fromTypedArray, type Generator, type Tensor } from '@metagrad/core';

/** The task distribution of Finn et al. (2017), section 5.1. */
export const AMPLITUDE_RANGE: [number, number] = [0.1, 5];
export const PHASE_RANGE: [number, number] = [0, Math.PI];
export const INPUT_RANGE: [number, number] = [-5, 5];

/** A batch of sinusoid tasks y = A sin(x - phase): inputs and targets are [tasks, points, 1]. */
export interface TaskBatch {
  amplitude: Float64Array;
  phase: Float64Array;
  xSupport: Tensor;
  ySupport: Tensor;
  xQuery: Tensor;
  yQuery: Tensor;
}

function samplePoints(
  generator: Generator,
  amplitude: Float64Array,
  phase: Float64Array,
  points: number,
  dtype: 'float32' | 'float64',
): [Tensor, Tensor] {
  const tasks = amplitude.length;
  const x =
    dtype === 'float64' ? new Float64Array(tasks * points) : new Float32Array(tasks * points);
  const y =
    dtype === 'float64' ? new Float64Array(tasks * points) : new Float32Array(tasks * points);
  for (let t = 0; t < tasks; t++) {
    for (let i = 0; i < points; i++) {
      const value = generator.uniform(...INPUT_RANGE);
      x[t * points + i] = value;
      y[t * points + i] = amplitude[t] * Math.sin(value - phase[t]);
    }
  }
  const shape = [tasks, points, 1];
  return [fromTypedArray(x, shape, dtype), fromTypedArray(y, shape, dtype)];
}

/** Samples `tasks` sinusoids with `shots` support points and `queries` query points each. */
export function sampleTasks(
  generator: Generator,
  tasks: number,
  shots: number,
  queries: number,
  dtype: 'float32' | 'float64' = 'float32',
): TaskBatch {
  const amplitude = new Float64Array(tasks);
  const phase = new Float64Array(tasks);
  for (let t = 0; t < tasks; t++) {
    amplitude[t] = generator.uniform(...AMPLITUDE_RANGE);
    phase[t] = generator.uniform(...PHASE_RANGE);
  }
  const [xSupport, ySupport] = samplePoints(generator, amplitude, phase, shots, dtype);
  const [xQuery, yQuery] = samplePoints(generator, amplitude, phase, queries, dtype);
  return { amplitude, phase, xSupport, ySupport, xQuery, yQuery };
}
