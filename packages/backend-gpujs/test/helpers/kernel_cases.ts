import {
  type DType,
  type Generator,
  type KernelAttrsMap,
  type KernelName,
  type Pool2DAttrs,
  randint,
  randn,
  type Tensor,
  tensor,
} from '@metagrad/core';
import { ACCUMULATED, EXACT, FLOAT32, type Tolerance, TRANSCENDENTAL } from './compare.js';

/** One kernel call: inputs made on the CPU backend, the attributes and the tolerance. */
export interface KernelCase<K extends KernelName = KernelName> {
  name: string;
  kernel: K;
  inputs: (gen: Generator) => Tensor[];
  attrs: KernelAttrsMap[K];
  tolerance: Tolerance;
}

const CPU = { backend: 'cpu' } as const;

/** Values where float32 shaders and JavaScript most often disagree. */
const SPECIALS = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  0,
  -0,
  1e-30,
  1e-5,
  -1e-5,
  0.1,
  -0.3,
  0.5,
  2,
  -3,
  20,
  -20,
  50,
  -50,
  100,
  -100,
  1e30,
];

const normal =
  (shape: number[], scale = 1) =>
  (gen: Generator) =>
    randn(shape, { ...CPU, generator: gen }).mul(scale);
const specials = () => tensor(SPECIALS, { ...CPU, dtype: 'float32' });
// sin and cos of 1e30 need an argument reduction with more bits of π than float32 has. The
// backend documents that it leaves such arguments to the driver, so they are left out here.
const specialsFor = (op: string) =>
  op === 'sin' || op === 'cos'
    ? tensor(
        SPECIALS.filter((v) => !(Math.abs(v) > 1e5)),
        { ...CPU, dtype: 'float32' },
      )
    : specials();
const reversedSpecials = () => tensor([...SPECIALS].reverse(), { ...CPU, dtype: 'float32' });
const ints = (low: number, high: number, shape: number[]) => (gen: Generator) =>
  randint(low, high, shape, { ...CPU, generator: gen });
const values = (data: number[], shape: number[], dtype: DType) =>
  tensor(data, { ...CPU, shape, dtype });

function kernelCase<K extends KernelName>(
  name: string,
  kernel: K,
  inputs: (gen: Generator) => Tensor[],
  attrs: KernelAttrsMap[K],
  tolerance: Tolerance = FLOAT32,
): KernelCase {
  return { name, kernel, inputs, attrs, tolerance } as unknown as KernelCase;
}

const UNARY_OPS = [
  'neg',
  'exp',
  'log',
  'sqrt',
  'abs',
  'sigmoid',
  'tanh',
  'sin',
  'cos',
  'relu',
  'sign',
  'square',
  'reciprocal',
  'floor',
  'ceil',
] as const;

const ANGLES = [1e3, -2e4, 25000, 12345.678];

const EXACT_UNARY = new Set(['neg', 'abs', 'relu', 'sign', 'floor', 'ceil']);

const unaryCases = UNARY_OPS.flatMap((op) => {
  const tolerance = EXACT_UNARY.has(op) ? EXACT : TRANSCENDENTAL;
  return [
    kernelCase(`${op} [3, 5]`, 'Unary', (g) => [normal([3, 5], 3)(g)], { op }, tolerance),
    ...(op === 'sin' || op === 'cos'
      ? [
          kernelCase(
            `${op} of large angles`,
            'Unary',
            () => [tensor(ANGLES, { ...CPU, dtype: 'float32' })],
            { op },
            TRANSCENDENTAL,
          ),
        ]
      : []),
    kernelCase(`${op} special values`, 'Unary', () => [specialsFor(op)], { op }, tolerance),
  ];
});

const BINARY_OPS = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum'] as const;

const powBases = () =>
  values([-2, -2, -0.5, 0, 0, 3, Number.NaN, 1, 2, -8, 0, Number.NaN], [12], 'float32');
const powExponents = () =>
  values([3, 2, 0.5, -1, 2, 0, 0, Number.NaN, -2, 1 / 3, 0, 1], [12], 'float32');

const binaryCases = [
  ...BINARY_OPS.map((op) =>
    kernelCase(
      `${op} [2, 3, 4] with [3, 1]`,
      'Binary',
      (g) => [normal([2, 3, 4])(g).abs().add(0.5), normal([3, 1])(g)],
      { op },
      TRANSCENDENTAL,
    ),
  ),
  ...BINARY_OPS.map((op) =>
    kernelCase(
      `${op} special values`,
      'Binary',
      () => [specials(), reversedSpecials()],
      { op },
      TRANSCENDENTAL,
    ),
  ),
  kernelCase(
    'pow edge cases',
    'Binary',
    () => [powBases(), powExponents()],
    { op: 'pow' },
    TRANSCENDENTAL,
  ),
  kernelCase(
    'add int32',
    'Binary',
    (g) => [ints(-1000, 1000, [4, 3])(g), ints(-5, 5, [3])(g)],
    { op: 'add' },
    EXACT,
  ),
  kernelCase(
    'mul int32',
    'Binary',
    (g) => [ints(-100, 100, [6])(g), ints(-100, 100, [6])(g)],
    { op: 'mul' },
    EXACT,
  ),
  kernelCase(
    'add bool',
    'Binary',
    () => [values([1, 1, 0, 0], [4], 'bool'), values([1, 0, 1, 0], [4], 'bool')],
    { op: 'add' },
    EXACT,
  ),
  kernelCase('scalar operand', 'Binary', (g) => [normal([])(g), normal([2, 3])(g)], { op: 'mul' }),
];

const compareCases = (['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const).flatMap((op) => [
  kernelCase(
    `${op} with NaN and broadcasting`,
    'Compare',
    () => [
      values([1, Number.NaN, 3, -0, 2, 5], [2, 3], 'float32'),
      values([1, Number.NaN, 0], [3], 'float32'),
    ],
    { op },
    EXACT,
  ),
  kernelCase(
    `${op} int32`,
    'Compare',
    (g) => [ints(-3, 3, [4, 5])(g), ints(-3, 3, [5])(g)],
    { op },
    EXACT,
  ),
]);

const poolAttrs = (
  input: number[],
  kernelSize: [number, number],
  stride: [number, number],
  padding: [number, number, number, number],
  dilation: [number, number],
  countIncludePad: boolean,
): Pool2DAttrs => {
  const out = (size: number, k: number, s: number, p0: number, p1: number, d: number) =>
    Math.floor((size + p0 + p1 - d * (k - 1) - 1) / s) + 1;
  return {
    kernelSize,
    stride,
    padding,
    dilation,
    countIncludePad,
    outputSize: [
      out(input[2], kernelSize[0], stride[0], padding[0], padding[1], dilation[0]),
      out(input[3], kernelSize[1], stride[1], padding[2], padding[3], dilation[1]),
    ],
  };
};

const CONV = {
  stride: [2, 1] as [number, number],
  padding: [1, 1, 0, 2] as [number, number, number, number],
  dilation: [1, 2] as [number, number],
  groups: 2,
};
// x [2, 4, 7, 6], weight [6, 2, 3, 3]: outH = floor((7 + 2 - 2 - 1) / 2) + 1 = 4,
// outW = floor((6 + 2 - 4 - 1) / 1) + 1 = 4.
const CONV_X = [2, 4, 7, 6];
const CONV_W = [6, 2, 3, 3];
const CONV_DY = [2, 6, 4, 4];

const avgAttrs = (includePad: boolean) =>
  poolAttrs([2, 3, 7, 6], [3, 2], [2, 2], [1, 1, 1, 1], [1, 1], includePad);

/** Kernel cases on fixed small shapes, every kernel name at least once. */
export const KERNEL_CASES: KernelCase[] = [
  ...unaryCases,
  ...binaryCases,
  ...compareCases,
  kernelCase(
    'where with broadcasting',
    'Where',
    (g) => [normal([2, 1, 4])(g).gt(0), normal([3, 4])(g), normal([2, 3, 1])(g)],
    {},
    EXACT,
  ),
  kernelCase(
    'cast float32 to int32',
    'Cast',
    () => [specials().mul(1.5)],
    { dtype: 'int32' },
    EXACT,
  ),
  kernelCase('cast float32 to bool', 'Cast', () => [specials()], { dtype: 'bool' }, EXACT),
  kernelCase(
    'cast int32 to float32',
    'Cast',
    (g) => [ints(-9, 9, [7])(g)],
    { dtype: 'float32' },
    EXACT,
  ),
  kernelCase('cast int32 to bool', 'Cast', (g) => [ints(-2, 2, [7])(g)], { dtype: 'bool' }, EXACT),
  kernelCase(
    'cast bool to int32',
    'Cast',
    () => [values([1, 0, 1], [3], 'bool')],
    { dtype: 'int32' },
    EXACT,
  ),
  kernelCase(
    'fill float32',
    'Fill',
    () => [],
    { shape: [3, 5], dtype: 'float32', value: 2.5 },
    EXACT,
  ),
  kernelCase(
    'fill NaN',
    'Fill',
    () => [],
    { shape: [4], dtype: 'float32', value: Number.NaN },
    EXACT,
  ),
  kernelCase('fill bool', 'Fill', () => [], { shape: [2, 2], dtype: 'bool', value: 1 }, EXACT),
  kernelCase('sum axis 1', 'Reduce', (g) => [normal([3, 5, 7])(g)], { op: 'sum', axes: [1] }),
  kernelCase('sum axes 0 and 2', 'Reduce', (g) => [normal([3, 5, 7])(g)], {
    op: 'sum',
    axes: [0, 2],
  }),
  kernelCase(
    'sum of 2100 in rounds',
    'Reduce',
    (g) => [normal([300, 7])(g)],
    { op: 'sum', axes: [0, 1] },
    ACCUMULATED,
  ),
  kernelCase(
    'sum over an empty axis',
    'Reduce',
    () => [values([], [2, 0], 'float32')],
    { op: 'sum', axes: [1] },
    EXACT,
  ),
  kernelCase(
    'sum int32',
    'Reduce',
    (g) => [ints(-50, 50, [4, 6])(g)],
    { op: 'sum', axes: [1] },
    EXACT,
  ),
  kernelCase(
    'max with NaN',
    'Reduce',
    () => [specials().reshape([4, 5])],
    { op: 'max', axes: [1] },
    EXACT,
  ),
  kernelCase(
    'min of 1000 in rounds',
    'Reduce',
    (g) => [normal([1000])(g)],
    { op: 'min', axes: [0] },
    EXACT,
  ),
  kernelCase(
    'max of 300 in rounds',
    'Reduce',
    (g) => [normal([2, 300])(g)],
    { op: 'max', axes: [1] },
    EXACT,
  ),
  kernelCase(
    'argmax with ties and NaN',
    'ArgReduce',
    () => [values([1, 3, 3, 0, Number.NaN, 2, 5, 5, 1, Number.NaN, 7, 7], [3, 4], 'float32')],
    { op: 'argmax', axis: 1 },
    EXACT,
  ),
  kernelCase(
    'argmin axis 0',
    'ArgReduce',
    (g) => [normal([5, 4])(g)],
    { op: 'argmin', axis: 0 },
    EXACT,
  ),
  kernelCase(
    'matmul [3, 4] x [4, 5]',
    'MatMul',
    (g) => [normal([3, 4])(g), normal([4, 5])(g)],
    { transposeA: false, transposeB: false },
    ACCUMULATED,
  ),
  kernelCase(
    'matmul transposed a',
    'MatMul',
    (g) => [normal([4, 3])(g), normal([4, 5])(g)],
    { transposeA: true, transposeB: false },
    ACCUMULATED,
  ),
  kernelCase(
    'matmul transposed b',
    'MatMul',
    (g) => [normal([3, 4])(g), normal([5, 4])(g)],
    { transposeA: false, transposeB: true },
    ACCUMULATED,
  ),
  kernelCase(
    'matmul both transposed',
    'MatMul',
    (g) => [normal([4, 3])(g), normal([5, 4])(g)],
    { transposeA: true, transposeB: true },
    ACCUMULATED,
  ),
  kernelCase(
    'matmul broadcast batch',
    'MatMul',
    (g) => [normal([2, 1, 3, 4])(g), normal([3, 4, 2])(g)],
    { transposeA: false, transposeB: false },
    ACCUMULATED,
  ),
  kernelCase(
    'matmul empty inner dimension',
    'MatMul',
    () => [values([], [2, 0], 'float32'), values([], [0, 3], 'float32')],
    { transposeA: false, transposeB: false },
    EXACT,
  ),
  kernelCase(
    'matmul split over K = 1500',
    'MatMul',
    (g) => [normal([2, 1500])(g), normal([1500, 3])(g)],
    { transposeA: false, transposeB: false },
    ACCUMULATED,
  ),
  kernelCase(
    'transpose [2, 3, 4] to [4, 2, 3]',
    'Transpose',
    (g) => [normal([2, 3, 4])(g)],
    { perm: [2, 0, 1] },
    EXACT,
  ),
  kernelCase(
    'broadcastTo [3, 1] to [3, 4]',
    'BroadcastTo',
    (g) => [normal([3, 1])(g)],
    { shape: [3, 4] },
    EXACT,
  ),
  kernelCase(
    'slice with steps',
    'Slice',
    (g) => [normal([5, 6])(g)],
    { begin: [1, 0], size: [2, 3], step: [2, 2] },
    EXACT,
  ),
  kernelCase(
    // Every coordinate of the read is a constant, as in an LSTM's last hidden unit.
    'slice of one element behind a size-1 axis',
    'Slice',
    (g) => [normal([1, 6])(g)],
    { begin: [0, 5], size: [1, 1], step: [1, 1] },
    EXACT,
  ),
  kernelCase(
    'pad with -1',
    'Pad',
    (g) => [normal([2, 3])(g)],
    {
      pads: [
        [1, 0],
        [2, 1],
      ],
      value: -1,
    },
    EXACT,
  ),
  kernelCase(
    'pad with NaN',
    'Pad',
    (g) => [normal([3])(g)],
    { pads: [[0, 2]], value: Number.NaN },
    EXACT,
  ),
  kernelCase(
    'pad an empty tensor',
    'Pad',
    () => [values([], [0], 'float32')],
    { pads: [[1, 1]], value: 5 },
    EXACT,
  ),
  kernelCase(
    'concat three on axis 1',
    'Concat',
    (g) => [normal([2, 1])(g), normal([2, 3])(g), normal([2, 2])(g)],
    { axis: 1 },
    EXACT,
  ),
  kernelCase(
    'concat with an empty part',
    'Concat',
    (g) => [normal([0, 2])(g), normal([3, 2])(g)],
    { axis: 0 },
    EXACT,
  ),
  kernelCase(
    'concat of 11 in groups',
    'Concat',
    (g) => Array.from({ length: 11 }, () => normal([2, 2])(g)),
    { axis: 0 },
    EXACT,
  ),
  kernelCase(
    'gather axis 1',
    'Gather',
    (g) => [normal([3, 4])(g), ints(0, 4, [3, 2])(g)],
    { axis: 1 },
    EXACT,
  ),
  kernelCase(
    'gather axis 0',
    'Gather',
    (g) => [normal([3, 4])(g), ints(0, 3, [2, 4])(g)],
    { axis: 0 },
    EXACT,
  ),
  kernelCase(
    'scatterAdd with repeats',
    'ScatterAdd',
    (g) => [normal([3, 4])(g), ints(0, 5, [2, 3])(g)],
    { axis: 0, shape: [5, 4] },
  ),
  kernelCase(
    'indexSelect with repeats',
    'IndexSelect',
    (g) => [normal([4, 3])(g), values([3, 0, 3, 1, 2], [5], 'int32')],
    { axis: 0 },
    EXACT,
  ),
  kernelCase(
    'indexSelect axis 1',
    'IndexSelect',
    (g) => [normal([2, 4, 3])(g), values([2, 2, 0], [3], 'int32')],
    { axis: 1 },
    EXACT,
  ),
  kernelCase(
    'indexAdd with repeats',
    'IndexAdd',
    (g) => [normal([5, 3])(g), values([3, 0, 3, 1, 3], [5], 'int32')],
    { axis: 0, size: 4 },
  ),
  kernelCase(
    'conv2d grouped, strided, dilated',
    'Conv2D',
    (g) => [normal(CONV_X)(g), normal(CONV_W)(g)],
    CONV,
    ACCUMULATED,
  ),
  kernelCase(
    'conv2d 1x1',
    'Conv2D',
    (g) => [normal([1, 3, 4, 4])(g), normal([2, 3, 1, 1])(g)],
    { stride: [1, 1], padding: [0, 0, 0, 0], dilation: [1, 1], groups: 1 },
    ACCUMULATED,
  ),
  kernelCase(
    'conv2d backward input',
    'Conv2DBackpropInput',
    (g) => [normal(CONV_DY)(g), normal(CONV_W)(g)],
    { ...CONV, inputShape: CONV_X },
    ACCUMULATED,
  ),
  kernelCase(
    'conv2d backward weight',
    'Conv2DBackpropFilter',
    (g) => [normal(CONV_X)(g), normal(CONV_DY)(g)],
    { ...CONV, filterShape: CONV_W },
    ACCUMULATED,
  ),
  kernelCase(
    'maxPool2d argmax',
    'MaxPool2DArgmax',
    (g) => [normal([2, 3, 7, 6])(g)],
    poolAttrs([2, 3, 7, 6], [3, 2], [2, 2], [1, 1, 0, 0], [1, 2], false),
    EXACT,
  ),
  kernelCase(
    'maxPool2d argmax with NaN',
    'MaxPool2DArgmax',
    () => [specials().reshape([1, 1, 4, 5])],
    poolAttrs([1, 1, 4, 5], [2, 2], [1, 1], [0, 0, 0, 0], [1, 1], false),
    EXACT,
  ),
  kernelCase(
    'avgPool2d counting padding',
    'AvgPool2D',
    (g) => [normal([2, 3, 7, 6])(g)],
    avgAttrs(true),
  ),
  kernelCase(
    'avgPool2d without padding',
    'AvgPool2D',
    (g) => [normal([2, 3, 7, 6])(g)],
    avgAttrs(false),
  ),
  kernelCase('avgPool2d backward', 'AvgPool2DBackprop', (g) => [normal([2, 3, 4, 4])(g)], {
    ...avgAttrs(false),
    inputShape: [2, 3, 7, 6],
  }),
  kernelCase(
    'avgPool2d backward counting padding',
    'AvgPool2DBackprop',
    (g) => [normal([2, 3, 4, 4])(g)],
    { ...avgAttrs(true), inputShape: [2, 3, 7, 6] },
  ),
];
