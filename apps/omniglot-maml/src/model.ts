import {
  expand,
  type Generator,
  matmul,
  ones,
  relu,
  type Tensor,
  unsqueeze,
  zeros,
} from '@metagrad/core';
import { batchNorm, conv2d, initConv2d, initLinear, maxPool2d } from '@metagrad/nn-functional';

/** Weight and bias of one layer, with PyTorch's names. */
export interface LayerParams {
  weight: Tensor;
  bias: Tensor;
}

/**
 * The Omniglot classifier of Finn, Abbeel and Levine (2017): four blocks of conv 3x3 with 64
 * filters + batch norm + ReLU, then a linear head. Names follow a PyTorch `state_dict`.
 */
export interface ConvNetParams {
  conv1: LayerParams;
  bn1: LayerParams;
  conv2: LayerParams;
  bn2: LayerParams;
  conv3: LayerParams;
  bn3: LayerParams;
  conv4: LayerParams;
  bn4: LayerParams;
  head: LayerParams;
}

export const BLOCKS = 4;
export const IMAGE_SIZE = 28;

/** The architecture: class count, width, and how each block halves the image. */
export interface ConvNetConfig {
  ways: number;
  /** Filters of every convolution (64 in the paper; tests use a few to run fast). */
  filters: number;
  /** Stride-1 convolutions followed by 2x2 max pooling, instead of stride-2 convolutions. */
  maxPool: boolean;
  /**
   * Whether every task's head starts at zero instead of at meta-learned weights. The head's
   * size then follows the task, so a model trained on 5-way tasks adapts to 20-way ones.
   * Default false.
   */
  zeroHead?: boolean;
}

/** The architecture options that adaptation and the forward pass need beyond the weights. */
export type Architecture = Pick<ConvNetConfig, 'maxPool' | 'zeroHead'>;

/**
 * Batch-norm statistics at test time. `batch` normalizes each forward pass with the statistics
 * of the whole batch it is given, as MAML's reference code does with support and query
 * batches. `instance` normalizes each image with its own statistics, so a prediction does not
 * depend on the other images of the batch.
 */
export type NormMode = 'batch' | 'instance';

const blockNames = [1, 2, 3, 4] as const;

/** Computes the spatial side after the four blocks: 28 -> 14 -> 7 -> 4 -> 2 (stride 2), or 1 (max pool). */
export function featureSide(config: Architecture): number {
  let side = IMAGE_SIZE;
  for (let block = 0; block < BLOCKS; block++) {
    // A stride-2 3x3 convolution with padding 1 gives ceil(side / 2); 2x2 pooling gives floor.
    side = config.maxPool ? Math.floor(side / 2) : Math.ceil(side / 2);
  }
  return side;
}

/** Length of the flattened features the head reads. */
export function featureSize(config: Pick<ConvNetConfig, 'maxPool' | 'filters'>): number {
  return config.filters * featureSide(config) ** 2;
}

/** Initializes convolutions and head as PyTorch's defaults do, batch norm as weight 1, bias 0. */
export function initConvNet(
  config: ConvNetConfig,
  generator: Generator,
  dtype: 'float32' | 'float64' = 'float32',
): ConvNetParams {
  const params: Partial<ConvNetParams> = {};
  for (const block of blockNames) {
    const inChannels = block === 1 ? 1 : config.filters;
    const { weight, bias } = initConv2d(inChannels, config.filters, 3, { generator, dtype });
    params[`conv${block}`] = { weight, bias: bias! };
    params[`bn${block}`] = {
      weight: ones([config.filters], { dtype }),
      bias: zeros([config.filters], { dtype }),
    };
  }
  const head = initLinear(featureSize(config), config.ways, { generator, dtype });
  params.head = config.zeroHead
    ? zeroHead(featureSize(config), config.ways, dtype)
    : { weight: head.weight, bias: head.bias! };
  return params as ConvNetParams;
}

/** Returns a head of zeros for `ways` classes; leading `batch` dimensions give one per task. */
export function zeroHead(
  features: number,
  ways: number,
  dtype: 'float32' | 'float64',
  batch: number[] = [],
): LayerParams {
  return {
    weight: zeros([...batch, ways, features], { dtype }),
    bias: zeros([...batch, ways], { dtype }),
  };
}

/**
 * Copies every weight once per task: [tasks, ...shape]. Each task then adapts its own copy,
 * and the gradients of the copies sum back into the shared weights.
 */
export function replicate(params: ConvNetParams, tasks: number): ConvNetParams {
  const copy = (t: Tensor) => expand(unsqueeze(t, 0), [tasks, ...t.shape]);
  const out: Partial<ConvNetParams> = {};
  for (const [name, layer] of Object.entries(params) as [keyof ConvNetParams, LayerParams][]) {
    out[name] = { weight: copy(layer.weight), bias: copy(layer.bias) };
  }
  return out as ConvNetParams;
}

/** Batch norm in training mode over [n, C, H, W], by batch or per image (see {@link NormMode}). */
function normalize(x: Tensor, weight: Tensor, bias: Tensor, mode: NormMode): Tensor {
  if (mode === 'batch') return batchNorm(x, { weight, bias, training: true }).output;
  // One image at a time: make each (image, channel) pair a channel of a batch of one.
  const [n, channels, height, width] = x.shape;
  const perImage = (t: Tensor) => expand(unsqueeze(t, 0), [n, channels]).reshape([n * channels]);
  const { output } = batchNorm(x.reshape([1, n * channels, height, width]), {
    weight: perImage(weight),
    bias: perImage(bias),
    training: true,
  });
  return output.reshape(x.shape);
}

/**
 * Computes the features of every image under per-task weights: x [tasks, n, 1, 28, 28] ->
 * [tasks, n, featureSize]. The tasks run as the channel groups of one grouped convolution, so
 * task t's feature maps are channels [t * C, (t + 1) * C) of a batch of n. Batch norm's
 * per-channel statistics are then per task, as they would be in a separate call per task.
 */
export function features(
  params: ConvNetParams,
  x: Tensor,
  architecture: Architecture,
  mode: NormMode = 'batch',
): Tensor {
  const [tasks, n] = x.shape;
  const filters = params.conv1.weight.shape[1];
  // [tasks, n, 1, H, W] -> [n, tasks * 1, H, W]
  let h = x.transpose(0, 1).reshape([n, tasks, IMAGE_SIZE, IMAGE_SIZE]);
  for (const block of blockNames) {
    const conv = params[`conv${block}`];
    const bn = params[`bn${block}`];
    const inChannels = conv.weight.shape[2];
    // [tasks, filters, in, 3, 3] -> [tasks * filters, in, 3, 3]: one group per task.
    const weight = conv.weight.reshape([tasks * filters, inChannels, 3, 3]);
    h = conv2d(h, weight, conv.bias.reshape([tasks * filters]), {
      stride: architecture.maxPool ? 1 : 2,
      padding: 1,
      groups: tasks,
    });
    h = normalize(
      h,
      bn.weight.reshape([tasks * filters]),
      bn.bias.reshape([tasks * filters]),
      mode,
    );
    h = relu(h);
    if (architecture.maxPool) h = maxPool2d(h, { kernelSize: 2 });
  }
  // [n, tasks * filters, s, s] -> [tasks, n, filters * s * s], in PyTorch's flatten order.
  const side = h.shape[2];
  return h.reshape([n, tasks, filters * side * side]).transpose(0, 1);
}

/** Computes the logits of every image: x [tasks, n, 1, 28, 28] -> [tasks, n, ways]. */
export function forward(
  params: ConvNetParams,
  x: Tensor,
  architecture: Architecture,
  mode: NormMode = 'batch',
): Tensor {
  const h = features(params, x, architecture, mode);
  return matmul(h, params.head.weight.transpose(-1, -2)).add(unsqueeze(params.head.bias, -2));
}
