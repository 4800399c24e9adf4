import { collectTensors, dispose, fromTypedArray, type Tensor, tidy } from '@metagrad/core';
import { adapt, forward, type MlpParams } from './model.js';
import { evaluateSinusoid, INPUT_RANGE, type Sinusoid } from './tasks.js';

/** The inner SGD learning rate: the α = 0.01 that apps/maml-sinusoid meta-trains with. */
export const INNER_LR = 0.01;

/** Points of the grid on which the curves are drawn and the error is measured. */
export const GRID_POINTS = 200;

export interface SupportPoint {
  x: number;
  y: number;
}

/** The predictions before and after adaptation on the grid, and their errors. */
export interface AdaptationResult {
  grid: Float32Array;
  before: Float32Array;
  after: Float32Array;
  /** Mean squared error of the meta-learned initialization against the true curve on the grid. */
  errorBefore: number;
  /** The same for the adapted weights; equal to errorBefore when nothing was adapted. */
  errorAfter: number;
  /** Milliseconds per inner step, including one readback of the adapted weights; null for 0 steps. */
  msPerStep: number | null;
}

function makeGrid(): Float32Array {
  const [low, high] = INPUT_RANGE;
  return Float32Array.from({ length: GRID_POINTS }, (_, i) => low + ((high - low) * i) / (GRID_POINTS - 1));
}

const GRID = makeGrid();

function meanSquaredError(prediction: ArrayLike<number>, task: Sinusoid): number {
  let sum = 0;
  for (let i = 0; i < GRID.length; i++) {
    const difference = prediction[i] - evaluateSinusoid(task, GRID[i]);
    sum += difference * difference;
  }
  return sum / GRID.length;
}

async function predictOnGrid(params: MlpParams): Promise<Float32Array> {
  const prediction = tidy(() => forward(params, fromTypedArray(GRID.slice(), [GRID_POINTS, 1], 'float32')));
  const values = Float32Array.from(await prediction.data());
  prediction.dispose();
  return values;
}

/**
 * Adapts the meta-learned weights to the support points with `steps` SGD steps and predicts on
 * the grid with both. The weights passed in are left as they are.
 */
export async function adaptAndPredict(
  params: MlpParams,
  task: Sinusoid,
  support: readonly SupportPoint[],
  steps: number,
): Promise<AdaptationResult> {
  const before = await predictOnGrid(params);
  const errorBefore = meanSquaredError(before, task);
  if (support.length === 0 || steps === 0) {
    return { grid: GRID, before, after: before, errorBefore, errorAfter: errorBefore, msPerStep: null };
  }

  const xs = Float32Array.from(support, (p) => p.x);
  const ys = Float32Array.from(support, (p) => p.y);
  const start = performance.now();
  const fast = tidy(() => {
    const x = fromTypedArray(xs, [xs.length, 1], 'float32');
    const y = fromTypedArray(ys, [ys.length, 1], 'float32');
    return adapt(params, x, y, steps, INNER_LR);
  });
  // A GPU backend may still be running the steps, so the time includes reading the weights back.
  const weights: Tensor[] = collectTensors(fast);
  await Promise.all(weights.map((t) => t.data()));
  const msPerStep = (performance.now() - start) / steps;

  const after = await predictOnGrid(fast);
  dispose(fast);
  return { grid: GRID, before, after, errorBefore, errorAfter: meanSquaredError(after, task), msPerStep };
}
