import type { Tensor } from '@metagrad/core';
import * as mg from '@metagrad/core';
import {
  avgPool2d,
  batchNorm,
  conv2d,
  crossEntropy,
  linear,
  lstm,
  lstmCell,
  lstmWeightNames,
  maxPool2d,
  mseLoss,
} from '@metagrad/nn-functional';
import type { Tolerance } from '../compare.js';
import type { CrossBackendSpec } from './cross_backend.js';
import type { InputKind, InputSpec } from './random_inputs.js';

const input = (shape: number[], kind: InputKind = 'normal', max?: number): InputSpec => ({
  shape,
  kind,
  max,
});

const UNARY: [op: string, kind: InputKind, fn: (x: Tensor) => Tensor][] = [
  ['neg', 'normal', mg.neg],
  ['exp', 'normal', mg.exp],
  ['log', 'positive', mg.log],
  ['sqrt', 'positive', mg.sqrt],
  ['abs', 'nonzero', mg.abs],
  ['relu', 'nonzero', mg.relu],
  ['sigmoid', 'normal', mg.sigmoid],
  ['tanh', 'normal', mg.tanh],
  ['square', 'normal', mg.square],
  ['sin', 'normal', mg.sin],
  ['cos', 'normal', mg.cos],
];

const BINARY: [op: string, kinds: [InputKind, InputKind], fn: (a: Tensor, b: Tensor) => Tensor][] =
  [
    ['add', ['normal', 'normal'], mg.add],
    ['sub', ['normal', 'normal'], mg.sub],
    ['mul', ['normal', 'normal'], mg.mul],
    ['div', ['normal', 'nonzero'], mg.div],
    ['maximum', ['normal', 'normal'], mg.maximum],
    ['minimum', ['normal', 'normal'], mg.minimum],
    ['pow', ['positive', 'normal'], mg.pow],
  ];

/** Shape pairs: size 1, primes with a broadcast row, both operands broadcast, rank 3, empty. */
const BINARY_SHAPES: [number[], number[]][] = [
  [[1], [1]],
  [[7, 13], [13]],
  [
    [7, 1],
    [1, 13],
  ],
  [
    [2, 1, 5],
    [3, 1],
  ],
  [[0, 3], [3]],
];

const shapeName = (shape: readonly number[]) => `[${shape.join(',')}]`;

function elementwiseSpecs(): CrossBackendSpec[] {
  const specs: CrossBackendSpec[] = [];
  for (const [op, kind, fn] of UNARY) {
    for (const shape of [[1], [7, 13], [0, 5]]) {
      specs.push({
        op,
        name: shapeName(shape),
        inputs: [input(shape, kind)],
        call: ([x]) => fn(x),
      });
    }
  }
  for (const [op, [kindA, kindB], fn] of BINARY) {
    for (const [a, b] of BINARY_SHAPES) {
      specs.push({
        op,
        name: `${shapeName(a)} ${shapeName(b)}`,
        inputs: [input(a, kindA), input(b, kindB)],
        call: ([x, y]) => fn(x, y),
      });
    }
    // An expanded operand has stride 0 along the expanded dimensions.
    specs.push({
      op,
      name: 'expand([1,7,1] -> [5,7,13]) [5,1,13]',
      inputs: [input([1, 7, 1], kindA), input([5, 1, 13], kindB)],
      call: ([x, y]) => fn(mg.expand(x, [5, 7, 13]), y),
    });
  }
  specs.push(
    {
      op: 'clamp',
      name: '[7,13] min=-0.5 max=0.5',
      inputs: [input([7, 13])],
      call: ([x]) => mg.clamp(x, -0.5, 0.5),
    },
    {
      op: 'eq',
      name: '[7,13] [13] (ties)',
      inputs: [input([7, 13], 'small-integer'), input([13], 'small-integer')],
      call: ([x, y]) => mg.eq(x, y),
    },
    {
      op: 'lt',
      name: '[7,1] [1,13] (ties)',
      inputs: [input([7, 1], 'small-integer'), input([1, 13], 'small-integer')],
      call: ([x, y]) => mg.lt(x, y),
    },
    {
      op: 'ge',
      name: '[0,3] [3]',
      inputs: [input([0, 3]), input([3])],
      call: ([x, y]) => mg.ge(x, y),
    },
    {
      op: 'where',
      name: '[7,1] [7,13] [13]',
      inputs: [input([7, 1], 'bool'), input([7, 13]), input([13])],
      call: ([c, x, y]) => mg.where(c, x, y),
    },
  );
  return specs;
}

function reductionSpecs(): CrossBackendSpec[] {
  const x = [input([7, 13, 5])];
  const specs: CrossBackendSpec[] = [
    { op: 'sum', name: '[7,13,5] axis=null', inputs: x, call: ([t]) => mg.sum(t) },
    { op: 'sum', name: '[7,13,5] axis=1', inputs: x, call: ([t]) => mg.sum(t, 1) },
    {
      op: 'sum',
      name: '[7,13,5] axis=[0,2] keepDim',
      inputs: x,
      call: ([t]) => mg.sum(t, [0, 2], true),
    },
    { op: 'sum', name: '[1] axis=0', inputs: [input([1])], call: ([t]) => mg.sum(t, 0) },
    {
      op: 'sum',
      name: '[0,5] axis=0 (empty)',
      inputs: [input([0, 5])],
      call: ([t]) => mg.sum(t, 0),
    },
    { op: 'mean', name: '[7,13,5] axis=-1', inputs: x, call: ([t]) => mg.mean(t, -1) },
    { op: 'max', name: '[7,13,5] axis=1', inputs: x, call: ([t]) => mg.max(t, 1) },
    { op: 'min', name: '[7,13,5] axis=[0,2]', inputs: x, call: ([t]) => mg.min(t, [0, 2]) },
    { op: 'logSumExp', name: '[7,13,5] axis=2', inputs: x, call: ([t]) => mg.logSumExp(t, 2) },
    { op: 'argmax', name: '[7,13,5] axis=1', inputs: x, call: ([t]) => mg.argmax(t, 1) },
    {
      op: 'argmax',
      name: '[7,13] axis=null (ties)',
      inputs: [input([7, 13], 'small-integer')],
      call: ([t]) => mg.argmax(t),
    },
    {
      op: 'softmax',
      name: '[7,13] axis=1',
      inputs: [input([7, 13])],
      call: ([t]) => mg.softmax(t, 1),
    },
    {
      op: 'logSoftmax',
      name: '[7,13,5] axis=0',
      inputs: x,
      call: ([t]) => mg.logSoftmax(t, 0),
    },
  ];
  specs.push(...largeReductionSpecs());
  return specs;
}

/**
 * A serial float32 loop over 10^6 copies of float32(0.1) is off by about 1e-2; pairwise
 * summation is off by about 1e-7, and serial runs of 1024 joined by a tree by about 1e-5
 * (numpy float32 simulations of each order). The tolerance passes any tree-shaped order with
 * runs up to about a thousand and fails one long serial loop.
 */
const LARGE_REDUCTION_TOLERANCE: Tolerance = { rtol: 2e-5, atol: 0 };

function largeReductionSpecs(): CrossBackendSpec[] {
  const n = 1_000_000;
  const tolerance = LARGE_REDUCTION_TOLERANCE;
  return [
    {
      op: 'sum',
      name: '[1000000] of 0.1 (float32 summation order)',
      inputs: [{ shape: [n], kind: 'constant', value: 0.1 }],
      call: ([t]) => mg.sum(t),
      tolerance,
    },
    {
      op: 'sum',
      name: '[1000000] uniform',
      inputs: [input([n], 'uniform')],
      call: ([t]) => mg.sum(t),
      tolerance,
    },
    {
      op: 'mean',
      name: '[1000000] uniform',
      inputs: [input([n], 'uniform')],
      call: ([t]) => mg.mean(t),
      tolerance,
    },
    {
      op: 'sum',
      name: '[1000,1000] of 0.1 axis=0',
      inputs: [{ shape: [1000, 1000], kind: 'constant', value: 0.1 }],
      call: ([t]) => mg.sum(t, 0),
      tolerance,
    },
  ];
}

function matmulSpecs(): CrossBackendSpec[] {
  const pairs: [string, number[], number[]][] = [
    ['[1,1] [1,1]', [1, 1], [1, 1]],
    ['[7,13] [13,11]', [7, 13], [13, 11]],
    ['[13] [13,7] (vector)', [13], [13, 7]],
    ['[3,7,13] [13,5] (broadcast batch)', [3, 7, 13], [13, 5]],
    ['[2,1,5,3] [4,3,2] (broadcast batch)', [2, 1, 5, 3], [4, 3, 2]],
    ['[0,3] [3,4] (empty rows)', [0, 3], [3, 4]],
    ['[3,0] [0,4] (empty inner dimension)', [3, 0], [0, 4]],
    ['[4,4099] [4099,3] (long inner dimension)', [4, 4099], [4099, 3]],
  ];
  const specs: CrossBackendSpec[] = pairs.map(([name, a, b]) => ({
    op: 'matmul',
    name,
    inputs: [input(a), input(b)],
    call: ([x, y]) => mg.matmul(x, y),
  }));
  specs.push({
    op: 'matmul',
    name: '[13,7]^T [11,13]^T (transposed operands)',
    inputs: [input([13, 7]), input([11, 13])],
    call: ([x, y]) => mg.matmul(mg.transpose(x, 0, 1), mg.transpose(y, 0, 1)),
  });
  return specs;
}

function layoutSpecs(): CrossBackendSpec[] {
  const x = [input([7, 13, 5])];
  return [
    { op: 'transpose', name: '[7,13,5] 0<->2', inputs: x, call: ([t]) => mg.transpose(t, 0, 2) },
    { op: 'permute', name: '[7,13,5] [2,0,1]', inputs: x, call: ([t]) => mg.permute(t, [2, 0, 1]) },
    {
      op: 'slice',
      name: '[7,13] axis=1 1:12:3',
      inputs: [input([7, 13])],
      call: ([t]) => mg.slice(t, 1, 1, 12, 3),
    },
    {
      op: 'pad',
      name: '[7,5] pad=[1,2,0,3] value=0.5',
      inputs: [input([7, 5])],
      call: ([t]) => mg.pad(t, [1, 2, 0, 3], 0.5),
    },
    {
      op: 'concat',
      name: '[7,3] [7,0] [7,5] axis=1 (empty piece)',
      inputs: [input([7, 3]), input([7, 0]), input([7, 5])],
      call: (ts) => mg.concat(ts, 1),
    },
    {
      op: 'stack',
      name: '[7,13] x3 axis=1',
      inputs: [input([7, 13]), input([7, 13]), input([7, 13])],
      call: (ts) => mg.stack(ts, 1),
    },
    {
      op: 'split',
      name: '[7,13] sections=[2,5,6] axis=1',
      inputs: [input([7, 13])],
      call: ([t]) => mg.split(t, [2, 5, 6], 1),
    },
    {
      op: 'gather',
      name: '[7,13] index [7,4] axis=1',
      inputs: [input([7, 13]), input([7, 4], 'index', 13)],
      call: ([t, index]) => mg.gather(t, 1, index),
    },
    {
      op: 'indexSelect',
      name: '[7,13] index [11] axis=0 (repeated rows)',
      inputs: [input([7, 13]), input([11], 'index', 7)],
      call: ([t, index]) => mg.indexSelect(t, 0, index),
    },
  ];
}

function lstmInputs(
  sequence: number[],
  inputSize: number,
  hiddenSize: number,
): { inputs: InputSpec[]; names: string[] } {
  const names = lstmWeightNames({ bidirectional: true });
  const shapes: Record<string, number[]> = {
    weight_ih: [4 * hiddenSize, inputSize],
    weight_hh: [4 * hiddenSize, hiddenSize],
    bias_ih: [4 * hiddenSize],
    bias_hh: [4 * hiddenSize],
  };
  const weights = names.map((name) => input(shapes[name.replace(/_l0(_reverse)?$/, '')]));
  return { inputs: [input(sequence), ...weights], names };
}

function layerSpecs(): CrossBackendSpec[] {
  const lstmCase = lstmInputs([5, 3, 7], 7, 11);
  return [
    {
      op: 'linear',
      name: '[7,13] weight [5,13] bias [5]',
      inputs: [input([7, 13]), input([5, 13]), input([5])],
      call: ([x, w, b]) => linear(x, w, b),
    },
    {
      op: 'conv2d',
      name: '[2,3,11,13] weight [5,3,3,3] stride=2 padding=1',
      inputs: [input([2, 3, 11, 13]), input([5, 3, 3, 3]), input([5])],
      call: ([x, w, b]) => conv2d(x, w, b, { stride: 2, padding: 1 }),
    },
    {
      op: 'conv2d',
      name: "[1,6,7,7] weight [6,2,3,3] groups=3 dilation=2 padding='same'",
      inputs: [input([1, 6, 7, 7]), input([6, 2, 3, 3])],
      call: ([x, w]) => conv2d(x, w, null, { groups: 3, dilation: 2, padding: 'same' }),
    },
    {
      op: 'conv2d',
      name: '[1,1,1,1] weight [1,1,1,1]',
      inputs: [input([1, 1, 1, 1]), input([1, 1, 1, 1])],
      call: ([x, w]) => conv2d(x, w),
    },
    {
      op: 'maxPool2d',
      name: '[2,3,11,13] kernelSize=3 stride=2 padding=1',
      inputs: [input([2, 3, 11, 13])],
      call: ([x]) => maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }),
    },
    {
      op: 'avgPool2d',
      name: '[2,3,11,13] kernelSize=[3,2] stride=2 ceilMode countIncludePad=false',
      inputs: [input([2, 3, 11, 13])],
      call: ([x]) =>
        avgPool2d(x, { kernelSize: [3, 2], stride: 2, ceilMode: true, countIncludePad: false }),
    },
    {
      op: 'batchNorm',
      name: '[5,3,7,7] training with running statistics',
      inputs: [input([5, 3, 7, 7]), input([3]), input([3]), input([3]), input([3], 'positive')],
      call: ([x, weight, bias, runningMean, runningVar]) => {
        const result = batchNorm(x, {
          weight,
          bias,
          runningMean: runningMean.detach(),
          runningVar: runningVar.detach(),
          training: true,
        });
        return [result.output, result.runningMean!, result.runningVar!];
      },
    },
    {
      op: 'lstm',
      name: '[5,3,7] hiddenSize=11 bidirectional',
      inputs: lstmCase.inputs,
      call: ([x, ...weightList]) => {
        const weights = Object.fromEntries(lstmCase.names.map((n, i) => [n, weightList[i]]));
        const [output, [hN, cN]] = lstm(x, undefined, weights, { bidirectional: true });
        return [output, hN, cN];
      },
    },
    {
      op: 'lstmCell',
      name: '[3,7] hiddenSize=11',
      inputs: [
        input([3, 7]),
        input([3, 11]),
        input([3, 11]),
        input([44, 7]),
        input([44, 11]),
        input([44]),
        input([44]),
      ],
      call: ([x, h, c, weightIh, weightHh, biasIh, biasHh]) =>
        lstmCell(x, [h, c], {
          weight_ih: weightIh,
          weight_hh: weightHh,
          bias_ih: biasIh,
          bias_hh: biasHh,
        }),
    },
    {
      op: 'crossEntropy',
      name: '[7,13] target [7] labelSmoothing=0.1',
      inputs: [input([7, 13]), input([7], 'index', 13)],
      call: ([x, target]) => crossEntropy(x, target, { labelSmoothing: 0.1 }),
    },
    {
      op: 'mseLoss',
      name: '[7,13] [7,13]',
      inputs: [input([7, 13]), input([7, 13])],
      call: ([x, y]) => mseLoss(x, y),
    },
  ];
}

/** Returns the cross-backend cases that run on every backend. */
export function crossBackendSpecs(): CrossBackendSpec[] {
  return [
    ...elementwiseSpecs(),
    ...reductionSpecs(),
    ...matmulSpecs(),
    ...layoutSpecs(),
    ...layerSpecs(),
  ];
}

/**
 * Returns the cases with one dimension of `size` elements, meant to exceed one GPU texture: elementwise ops
 * (also broadcast) and matmul with a long inner or outer dimension. None when `size` is 0.
 */
export function oversizeSpecs(size: number): CrossBackendSpec[] {
  if (size <= 0) return [];
  return [
    {
      op: 'add',
      name: `[${size}] [${size}] (oversize)`,
      inputs: [input([size]), input([size])],
      call: ([x, y]) => mg.add(x, y),
    },
    {
      op: 'mul',
      name: `[3,${size}] [${size}] (oversize, broadcast)`,
      inputs: [input([3, size]), input([size])],
      call: ([x, y]) => mg.mul(x, y),
    },
    {
      op: 'matmul',
      name: `[2,${size}] [${size},3] (oversize inner dimension)`,
      inputs: [input([2, size]), input([size, 3])],
      call: ([x, y]) => mg.matmul(x, y),
    },
    {
      op: 'matmul',
      name: `[${size},4] [4,3] (oversize rows)`,
      inputs: [input([size, 4]), input([4, 3])],
      call: ([x, y]) => mg.matmul(x, y),
    },
  ];
}
