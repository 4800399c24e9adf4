import {
  concat,
  flattenTree,
  grad,
  mapTree,
  stack,
  type Tensor,
  valueAndGrad,
} from '@metagrad/core';
import {
  batchNorm,
  conv2d,
  crossEntropy,
  linear,
  lstm,
  maxPool2d,
  mseLoss,
  relu,
} from '@metagrad/nn-functional';
import { sgdStep } from '@metagrad/optim';
import { type Comparison, compareTensors, concatHost, type HostTensor } from '../compare.js';
import { type Computed, evaluate } from '../evaluate.js';
import {
  type FixtureTensor,
  type FloatDType,
  fixtureToHost,
  fixtureTreeToTensors,
  isFixtureTensor,
  loadFixture,
} from '../fixtures.js';
import { fixtureTolerance } from '../tolerances.js';
import type { CaseOutcome, ConformanceCase } from '../types.js';

/** One case of maml_sinusoid.json or maml_composites.json (the fixture README explains each key). */
interface MamlCase {
  name: string;
  model?: string;
  innerSteps: number;
  innerLr: number;
  firstOrder: boolean;
  params: unknown;
  tasks: unknown[];
  metaLoss: number;
  metaGrad: unknown;
}

interface Task {
  xSupport: Tensor;
  ySupport: Tensor;
  xQuery: Tensor;
  yQuery: Tensor;
}

type Params = Record<string, Record<string, Tensor>>;
type Loss = (params: Params, x: Tensor, y: Tensor) => Tensor;

/** Computes the sinusoid regressor's MSE loss: an MLP 1-40-40-1 with ReLU (l1, l2, l3 as nn.Linear). */
const sinusoidLoss: Loss = (p, x, y) => {
  const h1 = relu(linear(x, p.l1.weight, p.l1.bias));
  const h2 = relu(linear(h1, p.l2.weight, p.l2.bias));
  return mseLoss(linear(h2, p.l3.weight, p.l3.bias), y);
};

/**
 * conv2d (padding 1) -> batchNorm (training, batch statistics, eps 1e-5) -> relu ->
 * maxPool2d (kernel 2, stride 2) -> flatten -> linear -> crossEntropy against int32 labels.
 */
const convLoss: Loss = (p, x, y) => {
  const conv = conv2d(x, p.conv.weight, p.conv.bias, { padding: 1 });
  const { output } = batchNorm(conv, {
    weight: p.bn.weight,
    bias: p.bn.bias,
    training: true,
    eps: 1e-5,
  });
  const pooled = maxPool2d(relu(output), { kernelSize: 2, stride: 2 });
  return crossEntropy(linear(pooled.flatten(1), p.head.weight, p.head.bias), y);
};

/**
 * Computes the loss of a bidirectional lstm (batchFirst, zero initial state) whose forward and
 * reverse final hidden states are concatenated, then linear -> mseLoss.
 */
const bilstmLoss: Loss = (p, x, y) => {
  const [, [hN]] = lstm(x, undefined, p.lstm, { bidirectional: true, batchFirst: true });
  const features = concat([hN.select(0, 0), hN.select(0, 1)], -1);
  return mseLoss(linear(features, p.head.weight, p.head.bias), y);
};

/** Returns the meta-objective: the mean query loss after `innerSteps` SGD steps per task. */
function metaObjective(loss: Loss, c: MamlCase, tasks: Task[]): (params: Params) => Tensor {
  return (params) => {
    const losses = tasks.map((task) => {
      let fast = params;
      for (let step = 0; step < c.innerSteps; step++) {
        let g: Params = grad(loss)(fast, task.xSupport, task.ySupport);
        if (c.firstOrder) g = mapTree(g, (t: Tensor) => t.detach()) as Params;
        fast = sgdStep(fast, g, c.innerLr);
      }
      return loss(fast, task.xQuery, task.yQuery);
    });
    return stack(losses).mean();
  };
}

/** The fixture tensors of a nested record in flattenTree order, with their dotted paths. */
function flattenFixtureTree(
  tree: unknown,
  path = '',
): { paths: string[]; leaves: FixtureTensor[] } {
  if (isFixtureTensor(tree)) return { paths: [path], leaves: [tree] };
  const paths: string[] = [];
  const leaves: FixtureTensor[] = [];
  for (const [key, value] of Object.entries(tree as Record<string, unknown>)) {
    const sub = flattenFixtureTree(value, path ? `${path}.${key}` : key);
    paths.push(...sub.paths);
    leaves.push(...sub.leaves);
  }
  return { paths, leaves };
}

/**
 * Runs one MAML case and compares the meta-loss and the whole meta-gradient. The gradient is
 * measured against the norm of the whole meta-gradient, because a leaf can have an exact
 * gradient of zero (conv.bias before batchNorm) where PyTorch's value is rounding noise.
 */
async function runMaml(
  loss: Loss,
  c: MamlCase,
  op: string,
  dtype: FloatDType,
  backend: string,
): Promise<CaseOutcome> {
  const expected = flattenFixtureTree(c.metaGrad);
  const results = await evaluate(backend, () => {
    const params = fixtureTreeToTensors(c.params, dtype, backend) as Params;
    const tasks = fixtureTreeToTensors(c.tasks, dtype, backend) as Task[];
    const [metaLoss, metaGrad] = valueAndGrad(metaObjective(loss, c, tasks))(params);
    const flat = flattenTree(metaGrad);
    if (flat.paths.join() !== expected.paths.join()) {
      throw new Error(
        `metaGrad has leaves [${flat.paths.join(', ')}], expected [${expected.paths.join(', ')}]`,
      );
    }
    const computed: Computed = { metaLoss };
    flat.paths.forEach((path, i) => {
      computed[`metaGrad ${path}`] = flat.leaves[i];
    });
    return computed;
  });

  const tolerance = fixtureTolerance(op, dtype);
  const wantLoss: HostTensor = { shape: [], dtype: 'float64', values: [c.metaLoss] };
  const comparisons: Comparison[] = [
    compareTensors('metaLoss', results.metaLoss, wantLoss, dtype, tolerance),
  ];
  const gotLeaves = expected.paths.map((path) => results[`metaGrad ${path}`]);
  const wantLeaves = expected.leaves.map(fixtureToHost);
  const shapesMatch = gotLeaves.every(
    (g, i) => g !== null && g.shape.join() === wantLeaves[i].shape.join(),
  );
  if (!shapesMatch) {
    // Compare leaf by leaf so that the failure names the leaf with the wrong shape.
    gotLeaves.forEach((g, i) => {
      comparisons.push(
        compareTensors(`metaGrad ${expected.paths[i]}`, g, wantLeaves[i], dtype, tolerance),
      );
    });
    return { comparisons };
  }
  const whole = compareTensors(
    'metaGrad',
    concatHost(gotLeaves as HostTensor[], dtype),
    concatHost(wantLeaves, 'float64'),
    dtype,
    tolerance,
  );
  if (!whole.passed)
    whole.detail += `; largest difference in ${largestDifference(gotLeaves as HostTensor[], wantLeaves, expected.paths)}`;
  comparisons.push(whole);
  return { comparisons };
}

/** Names the leaf whose difference from the reference has the largest norm. */
function largestDifference(got: HostTensor[], want: HostTensor[], paths: string[]): string {
  let worst = 0;
  let worstPath = paths[0];
  got.forEach((g, i) => {
    let squared = 0;
    for (let j = 0; j < g.values.length; j++) squared += (g.values[j] - want[i].values[j]) ** 2;
    if (!(squared <= worst)) {
      worst = squared;
      worstPath = paths[i];
    }
  });
  return worstPath;
}

const COMPOSITE_MODELS: [prefix: string, op: string, loss: Loss][] = [
  ['conv-bn-pool-linear', 'maml-conv-bn-pool-linear', convLoss],
  ['bilstm-linear', 'maml-bilstm-linear', bilstmLoss],
];

/** Returns the MAML meta-gradient cases (sinusoid MLP, conv2d + batchNorm, bidirectional lstm) per dtype. */
export function mamlCases(dtypes: readonly FloatDType[]): ConformanceCase[] {
  const sinusoid = loadFixture<{ cases: MamlCase[] }>('maml_sinusoid.json').cases;
  const composites = loadFixture<{ cases: MamlCase[] }>('maml_composites.json').cases;
  const entries: [MamlCase, string, Loss][] = sinusoid.map((c) => [
    c,
    'maml-sinusoid',
    sinusoidLoss,
  ]);
  for (const c of composites) {
    const model = COMPOSITE_MODELS.find(([prefix]) => c.name.startsWith(prefix));
    if (!model)
      throw new Error(`conformance: maml_composites.json has an unknown model: ${c.name}`);
    entries.push([c, model[1], model[2]]);
  }
  return dtypes.flatMap((dtype) =>
    entries.map(
      ([c, op, loss]): ConformanceCase => ({
        op,
        name: `${c.name} ${dtype}`,
        kind: 'fixture',
        dtype,
        run: (backend) => runMaml(loss, c, op, dtype, backend),
      }),
    ),
  );
}
