import { torch } from 'js-pytorch';
import type { HostParams, HostTensor } from '../data.js';
import { type Prepared, type System, UnsupportedError } from '../system.js';
import { packageVersion } from '../versions.js';
import {
  type BatchNormInputs,
  type LstmInputs,
  type MamlSineInputs,
  SINE_PARAM_NAMES,
} from '../workloads.js';

type JsTensor = InstanceType<typeof torch.Tensor>;
type Nested = number | Nested[];

function toNested(data: ArrayLike<number>, shape: readonly number[], offset = 0): Nested {
  if (shape.length === 0) return data[offset];
  const [size, ...rest] = shape;
  const stride = rest.reduce((product, d) => product * d, 1);
  return Array.from({ length: size }, (_, i) => toNested(data, rest, offset + i * stride));
}

function toJs(host: HostTensor, requiresGrad = false): JsTensor {
  return torch.tensor(toNested(host.data, host.shape) as Nested[], requiresGrad);
}

/** Flattens a nested array (a tensor's data or gradient) into a host array of `shape`. */
function toHost(nested: Nested, shape: number[]): HostTensor {
  const flat: number[] = [];
  const collect = (value: Nested) => {
    if (Array.isArray(value)) value.forEach(collect);
    else flat.push(value);
  };
  collect(nested);
  return { shape, data: Float64Array.from(flat) };
}

function gradientOf(t: JsTensor, shape: number[]): HostTensor {
  if (!t._grad) throw new Error('js-pytorch: a leaf received no gradient');
  return toHost(t._grad.data as Nested, shape);
}

/** ReLU by masking: torch.nn.ReLU of js-pytorch 0.7.2 maps x < 0 to 0.001 x (a leaky ReLU). */
function relu(x: JsTensor): JsTensor {
  return x.masked_fill(x, (value: number) => value < 0, 0);
}

function sigmoid(x: JsTensor): JsTensor {
  return x.neg().exp().add(1).pow(-1);
}

function tanh(x: JsTensor): JsTensor {
  return sigmoid(x.mul(2)).mul(2).sub(1);
}

function matmulRun(a: JsTensor, b: JsTensor): Prepared {
  return { run: () => void torch.matmul(a, b), dispose: () => {} };
}

/**
 * Runs training-mode batch normalization of [N, C, H, W] as a [N * H * W, C] matrix. js-pytorch
 * 0.7.2 reduces one dimension at a time and its mean(-1, true) drops the kept dimension, but the
 * mean(0) of a matrix broadcasts back over its rows.
 */
function batchNormRun(inputs: BatchNormInputs): Prepared {
  const [n, channels, height, width] = inputs.x.shape;
  const pixels = height * width;
  const x = toJs(inputs.x, true);
  const weight = toJs(inputs.weight, true);
  const bias = toJs(inputs.bias, true);
  const dy = toJs(inputs.dy);
  const forwardBackward = () => {
    for (const t of [x, weight, bias]) t.zero_grad();
    const rows = x
      .reshape([n, channels, pixels])
      .transpose(1, 2)
      .reshape([n * pixels, channels]);
    const centered = rows.sub(rows.mean(0));
    const variance = centered.pow(2).mean(0);
    const normalized = centered.div(variance.add(1e-5).sqrt()).mul(weight).add(bias);
    const y = normalized.reshape([n, pixels, channels]).transpose(1, 2);
    y.reshape([n, channels, height, width]).mul(dy).backward();
  };
  return {
    run: forwardBackward,
    gradient: async () => {
      forwardBackward();
      return {
        x: gradientOf(x, inputs.x.shape),
        weight: gradientOf(weight, [channels]),
        bias: gradientOf(bias, [channels]),
      };
    },
    dispose: () => {},
  };
}

/** Rows [from, to) of a [rows, ...] host array. */
function rowsOf(host: HostTensor, from: number, to: number): HostTensor {
  const stride = host.data.length / host.shape[0];
  return {
    shape: [to - from, ...host.shape.slice(1)],
    data: host.data.slice(from * stride, to * stride),
  };
}

/**
 * Runs a bidirectional LSTM written with js-pytorch's ops. Each gate gets its own weights (rows
 * of PyTorch's stacked layout) and each time step its own leaf, because js-pytorch has no slicing op.
 */
function lstmRun(inputs: LstmInputs): Prepared {
  const [steps, batch, features] = inputs.x.shape;
  const hidden = inputs.hiddenSize;
  const xs = Array.from({ length: steps }, (_, t) => toJs(rowsOf(inputs.x, t, t + 1), true));
  const dys = Array.from({ length: steps }, (_, t) => {
    const rows = rowsOf(inputs.dy, t, t + 1).data;
    const part = (d: number) => {
      const data = new Float64Array(batch * hidden);
      for (let b = 0; b < batch; b++)
        data.set(rows.subarray((b * 2 + d) * hidden, (b * 2 + d + 1) * hidden), b * hidden);
      return toJs({ shape: [batch, hidden], data });
    };
    return [part(0), part(1)];
  });
  const directions = ['', '_reverse'].map((suffix) => {
    const gate = (name: string, k: number) => {
      const host = inputs.weights[`${name}${suffix}`];
      // Weights are [H, in] per gate (used transposed) and biases [H].
      return toJs(rowsOf(host, k * hidden, (k + 1) * hidden), true);
    };
    return [0, 1, 2, 3].map((k) => ({
      ih: gate('weight_ih_l0', k),
      hh: gate('weight_hh_l0', k),
      bias: gate('bias_ih_l0', k),
      biasHh: gate('bias_hh_l0', k),
    }));
  });
  const leaves = [...xs, ...directions.flat().flatMap((g) => [g.ih, g.hh, g.bias, g.biasHh])];
  const forwardBackward = () => {
    for (const t of leaves) t.zero_grad();
    let loss: JsTensor | null = null;
    directions.forEach((gates, d) => {
      let h = torch.zeros([batch, hidden]);
      let c = torch.zeros([batch, hidden]);
      for (let k = 0; k < steps; k++) {
        const t = d === 1 ? steps - 1 - k : k;
        const x = xs[t].reshape([batch, features]);
        const [i, f, g, o] = gates.map(({ ih, hh, bias, biasHh }) =>
          x
            .matmul(ih.transpose(0, 1))
            .add(h.matmul(hh.transpose(0, 1)))
            .add(bias)
            .add(biasHh),
        );
        c = sigmoid(f)
          .mul(c)
          .add(sigmoid(i).mul(tanh(g)));
        h = sigmoid(o).mul(tanh(c));
        const term = h.mul(dys[t][d]).sum().sum();
        loss = loss ? loss.add(term) : term;
      }
    });
    loss!.backward();
  };
  return {
    run: forwardBackward,
    gradient: async () => {
      forwardBackward();
      const host: HostParams = {};
      const xRows = xs.map((t) => gradientOf(t, [1, batch, features]).data);
      host.x = { shape: inputs.x.shape, data: Float64Array.from(xRows.flatMap((r) => [...r])) };
      directions.forEach((gates, d) => {
        const suffix = d === 1 ? '_reverse' : '';
        const stack = (pick: (g: (typeof gates)[number]) => JsTensor, name: string) => {
          const shape = inputs.weights[`${name}${suffix}`].shape;
          const rows = gates.map((g) => [...gradientOf(pick(g), [hidden, shape[1] ?? 1]).data]);
          host[`${name}${suffix}`] = { shape, data: Float64Array.from(rows.flat()) };
        };
        stack((g) => g.ih, 'weight_ih_l0');
        stack((g) => g.hh, 'weight_hh_l0');
        stack((g) => g.bias, 'bias_ih_l0');
        stack((g) => g.biasHh, 'bias_hh_l0');
      });
      return host;
    },
    dispose: () => {},
  };
}

/**
 * Runs first-order MAML on sinusoids one task at a time, because js-pytorch has no batched
 * matmul with broadcasting. The inner step builds fast weights from the support gradients as new
 * leaves. The query gradients of those leaves, summed over the tasks, are the meta-gradient.
 */
function sineRun(inputs: MamlSineInputs): Prepared {
  const names = SINE_PARAM_NAMES;
  const params = names.map((name) => toJs(inputs.params[name], true));
  const tasks = inputs.xSupport.shape[0];
  // Task t's points: [points, 1].
  const taskData = Array.from({ length: tasks }, (_, t) =>
    [inputs.xSupport, inputs.ySupport, inputs.xQuery, inputs.yQuery].map((d) =>
      toJs({ shape: d.shape.slice(1), data: rowsOf(d, t, t + 1).data }),
    ),
  );
  const optimizer = new torch.optim.Adam(params, inputs.metaLr);
  const forward = (p: JsTensor[], x: JsTensor) => {
    const layer = (h: JsTensor, k: number) => h.matmul(p[2 * k].transpose(0, 1)).add(p[2 * k + 1]);
    return layer(relu(layer(relu(layer(x, 0)), 1)), 2);
  };
  const mse = (prediction: JsTensor, y: JsTensor) => prediction.sub(y).pow(2).mean(-1).mean(-1);
  const leafCopies = (values: Nested[]) => values.map((v) => torch.tensor(v as Nested[], true));
  const metaGradient = (): Nested[][] => {
    const sums: Nested[][] = [];
    const current = params.map((p) => p.data as Nested[]);
    for (const [xs, ys, xq, yq] of taskData) {
      const weights = leafCopies(current);
      mse(forward(weights, xs), ys).backward();
      const fast = weights.map(
        (w) => w.sub((w._grad as JsTensor).mul(inputs.innerLr)).data as Nested[],
      );
      const fastLeaves = leafCopies(fast);
      mse(forward(fastLeaves, xq), yq).div(tasks).backward();
      fastLeaves.forEach((w, k) => {
        const g = (w._grad as JsTensor).data as Nested[];
        sums[k] = sums[k] ? (torch.tensor(sums[k]).add(torch.tensor(g)).data as Nested[]) : g;
      });
    }
    return sums;
  };
  return {
    run: () => {
      const grads = metaGradient();
      params.forEach((p, k) => {
        p._grad = torch.tensor(grads[k]);
      });
      optimizer.step();
    },
    gradient: async () => {
      const grads = metaGradient();
      return Object.fromEntries(
        names.map((name, k) => [name, toHost(grads[k], inputs.params[name].shape)]),
      );
    },
    dispose: () => {},
  };
}

/** Checks whether js-pytorch's gradients carry a graph, which second-order MAML needs. */
function assertDifferentiableGradients(): void {
  const w = torch.tensor([[1, 2]], true);
  w.mul(w).backward();
  const gradient = w._grad as JsTensor;
  if (!gradient.requires_grad && (gradient.parents?.length ?? 0) === 0) {
    throw new UnsupportedError(
      'backward() stores gradients without a graph (requires_grad false, no parents), so a gradient cannot be differentiated again',
    );
  }
}

/** Raises the reason when js-pytorch has no convolution layer or op. */
function convolutionUnsupported(): never {
  const nn = Object.keys(torch.nn).join(', ');
  throw new UnsupportedError(`js-pytorch has no convolution (torch.nn contains ${nn}; no conv op)`);
}

/** js-pytorch (nested JavaScript arrays, float64 arithmetic) on the CPU. */
export async function jsPytorchSystem(): Promise<System> {
  return {
    name: 'js-pytorch',
    packages: { 'js-pytorch': packageVersion('js-pytorch') },
    details: 'device cpu (nested JavaScript arrays, so it computes in float64)',
    activate: async () => {},
    prepare: {
      matmul256: ({ a, b }) => matmulRun(toJs(a), toJs(b)),
      matmul1024: ({ a, b }) => matmulRun(toJs(a), toJs(b)),
      conv1: convolutionUnsupported,
      conv64: convolutionUnsupported,
      batchNorm: batchNormRun,
      lstm: lstmRun,
      mamlSine2: () => {
        assertDifferentiableGradients();
        throw new Error('js-pytorch: gradients carry a graph; the second-order run is not written');
      },
      mamlSine1: sineRun,
      mamlOmniglot: convolutionUnsupported,
    },
  };
}
