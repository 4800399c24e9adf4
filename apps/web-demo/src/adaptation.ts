import { collectTensors, dispose, fromTypedArray, type Tensor, tidy } from '@metagrad/core';
import { adapt, forward, type MlpParams } from './model.js';
import { evaluateSinusoid, INPUT_RANGE, type Sinusoid } from './tasks.js';

/** The inner SGD learning rate: the α = 0.01 that apps/maml-sinusoid meta-trains with. */
export const INNER_LR = 0.01;

/** Points of the grid on which the curves are drawn and the error is measured. */
export const GRID_POINTS = 200;

/**
 * The support set is padded to this many points, with zero weight on the padding, so that its
 * tensors keep one shape: a GPU backend compiles its kernels per shape, and would otherwise
 * compile them again after every click.
 */
export const MAX_SUPPORT_POINTS = 40;

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
  /** False for no support points or 0 steps: then `after` is `before`. */
  adapted: boolean;
  /** The same for the adapted weights; equal to errorBefore when nothing was adapted. */
  errorAfter: number;
  /** Milliseconds per inner step, including one readback of the adapted weights; null for 0 steps. */
  msPerStep: number | null;
}

function makeGrid(): Float32Array {
  const [low, high] = INPUT_RANGE;
  return Float32Array.from(
    { length: GRID_POINTS },
    (_, i) => low + ((high - low) * i) / (GRID_POINTS - 1),
  );
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
  const prediction = tidy(() =>
    forward(params, fromTypedArray(GRID.slice(), [GRID_POINTS, 1], 'float32')),
  );
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
    return {
      grid: GRID,
      before,
      after: before,
      adapted: false,
      errorBefore,
      errorAfter: errorBefore,
      msPerStep: null,
    };
  }

  if (support.length > MAX_SUPPORT_POINTS) {
    throw new Error(`adaptation: ${support.length} support points, at most ${MAX_SUPPORT_POINTS}`);
  }
  const xs = new Float32Array(MAX_SUPPORT_POINTS);
  const ys = new Float32Array(MAX_SUPPORT_POINTS);
  const weights = new Float32Array(MAX_SUPPORT_POINTS);
  support.forEach((point, i) => {
    xs[i] = point.x;
    ys[i] = point.y;
    weights[i] = 1 / support.length;
  });

  const start = performance.now();
  const fast = tidy(() => {
    const shape = [MAX_SUPPORT_POINTS, 1];
    const x = fromTypedArray(xs, shape, 'float32');
    const y = fromTypedArray(ys, shape, 'float32');
    const w = fromTypedArray(weights, shape, 'float32');
    // The mean squared error over the real points: the padding has weight 0.
    const supportLoss = (p: MlpParams) => forward(p, x).sub(y).square().mul(w).sum();
    return adapt(params, supportLoss, steps, INNER_LR);
  });
  // A GPU backend may still be running the steps, so the time includes reading the weights back.
  const adapted: Tensor[] = collectTensors(fast);
  await Promise.all(adapted.map((t) => t.data()));
  const msPerStep = (performance.now() - start) / steps;

  const after = await predictOnGrid(fast);
  dispose(fast);
  return {
    grid: GRID,
    before,
    after,
    adapted: true,
    errorBefore,
    errorAfter: meanSquaredError(after, task),
    msPerStep,
  };
}
