import {
  BackendError,
  batchMatmul,
  concat,
  DTypeError,
  formatShape,
  InvalidArgumentError,
  ones as onesTensor,
  ShapeError,
  stack,
  Tensor,
  zeros,
} from '@metagrad/core';
import { dropout } from './dropout.js';
import {
  type LstmConfig,
  type LstmOptions,
  type LstmWeights,
  validateLstmWeights,
} from './lstm_weights.js';

/**
 * Runs a multi-layer LSTM with explicit weights, as `torch.nn.LSTM`.
 *
 * - `input`: [seq_len, batch, input_size], [batch, seq_len, input_size] with `batchFirst`, or
 *   unbatched [seq_len, input_size].
 * - `state`: [h0, c0] with h0 [num_layers*num_directions, batch, proj_size or hidden_size] and
 *   c0 [num_layers*num_directions, batch, hidden_size] (no batch dimension when unbatched), or
 *   undefined for zeros.
 * - `weights`: a record keyed by PyTorch's names (a `state_dict` of `nn.LSTM` maps one to one)
 *   or a flat array in the order of {@link lstmWeightNames}.
 *
 * Returns [output, [hN, cN]]: output is [seq_len, batch, num_directions*(proj_size or
 * hidden_size)] (batch first with `batchFirst`), and hN, cN are shaped like h0, c0 even with
 * `batchFirst`. The reverse direction's final state is its state after reaching t = 0. Gates are
 * in PyTorch's order i, f, g, o. Everything is built from differentiable ops, so gradients of
 * any order flow to the input, the state and every weight.
 */
export function lstm(
  input: Tensor,
  state: readonly [Tensor, Tensor] | undefined,
  weights: LstmWeights | readonly Tensor[],
  options: LstmOptions = {},
): [Tensor, [Tensor, Tensor]] {
  const config = validateLstmWeights(weights, options);
  checkInput(input, config);
  const batched = input.rank === 3;
  let x = batched ? input : input.unsqueeze(config.batchFirst ? 0 : 1);
  if (config.batchFirst) x = x.transpose(0, 1);
  // x is [seq_len, batch, input_size] from here on.
  const [h0, c0] = initialState(state, config, batched, x.shape[1]);

  const hN: Tensor[] = [];
  const cN: Tensor[] = [];
  let layerSteps = splitTimeSteps(x);
  let layerOutput: Tensor | null = null;
  for (let layer = 0; layer < config.numLayers; layer++) {
    const outputs: Tensor[][] = [];
    for (let direction = 0; direction < config.directions; direction++) {
      const k = layer * config.directions + direction;
      const suffix = `_l${layer}${direction === 1 ? '_reverse' : ''}`;
      const [output, h, c] = runDirection(
        layerSteps,
        h0[k],
        c0[k],
        config,
        suffix,
        direction === 1,
      );
      outputs.push(output);
      hN.push(h);
      cN.push(c);
    }
    const isLast = layer === config.numLayers - 1;
    const dropped = !isLast && config.training && config.dropout > 0;
    if (isLast || dropped) {
      const stacked = outputs.map((steps) => stack(steps, 0));
      layerOutput = stacked.length === 1 ? stacked[0] : concat(stacked, 2);
    }
    if (dropped) {
      // Dropout draws one mask for the whole layer output, as PyTorch does, so the generator's
      // stream matches. The next layer then takes its steps from the masked tensor.
      layerOutput = dropout(layerOutput!, { p: config.dropout, generator: config.generator });
      layerSteps = splitTimeSteps(layerOutput);
    } else if (!isLast) {
      // Joining each step's outputs directly skips splitting the stacked output again.
      const [forward, backward] = outputs;
      layerSteps = backward ? forward.map((h, t) => concat([h, backward[t]], 1)) : forward;
    }
  }

  let output = config.batchFirst ? layerOutput!.transpose(0, 1) : layerOutput!;
  let hOut = stack(hN, 0);
  let cOut = stack(cN, 0);
  if (!batched) {
    output = output.select(config.batchFirst ? 0 : 1, 0);
    hOut = hOut.select(1, 0);
    cOut = cOut.select(1, 0);
  }
  return [output, [hOut, cOut]];
}

/**
 * Runs one direction of one layer over the time steps `steps` (each [batch, features]) and
 * returns the hidden state of every step with the final h and c.
 *
 * A step multiplies [x_t, h, 1] by one weight [4*hidden_size, features + (proj_size or
 * hidden_size) + 1]: weight_ih, weight_hh and the summed biases side by side, built once. Without
 * biases, the last column and the 1 are left out. The backward pass joins the four gate
 * gradients of a step with one concat and computes the weight's gradient for all steps with one
 * matmul, so a step adds no full-size pads or weight-sized products.
 */
function runDirection(
  steps: readonly Tensor[],
  h0: Tensor,
  c0: Tensor,
  config: LstmConfig,
  suffix: string,
  reverse: boolean,
): [Tensor[], Tensor, Tensor] {
  const weights = config.weights;
  const weightHr = config.projSize > 0 ? weights[`weight_hr${suffix}`] : null;
  const columns = [weights[`weight_ih${suffix}`], weights[`weight_hh${suffix}`]];
  let ones: Tensor | null = null;
  if (config.bias) {
    const bias = weights[`bias_ih${suffix}`].add(weights[`bias_hh${suffix}`]);
    columns.push(bias.unsqueeze(1));
    ones = onesTensor([h0.shape[0], 1], { dtype: config.dtype, backend: config.backend });
  }
  const combined = concat(columns, 1);

  const count = steps.length;
  const outputs = new Array<Tensor>(count);
  let h = h0;
  let c = c0;
  for (let s = 0; s < count; s++) {
    const t = reverse ? count - 1 - s : s;
    const z = concat(ones ? [steps[t], h, ones] : [steps[t], h], 1);
    const [i, f, g, o] = batchMatmul(z, combined, false, true).split(config.hiddenSize, 1);
    c = f.sigmoid().mul(c).add(i.sigmoid().mul(g.tanh()));
    h = o.sigmoid().mul(c.tanh());
    if (weightHr) h = batchMatmul(h, weightHr, false, true);
    outputs[t] = h;
  }
  return [outputs, h, c];
}

/** Splits [seq_len, ...] into its seq_len time steps. */
function splitTimeSteps(x: Tensor): Tensor[] {
  return Array.from({ length: x.shape[0] }, (_, t) => x.select(0, t));
}

function checkInput(input: unknown, config: LstmConfig): asserts input is Tensor {
  if (!(input instanceof Tensor)) {
    throw new InvalidArgumentError(`lstm: input must be a Tensor, got ${input}`);
  }
  checkLike('input', input, config);
  const layout = config.batchFirst
    ? '[batch, seq_len, input_size]'
    : '[seq_len, batch, input_size]';
  if (input.rank !== 2 && input.rank !== 3) {
    throw new ShapeError(
      `lstm: input has shape ${formatShape(input.shape)}, expected 3-D ${layout} or unbatched 2-D [seq_len, input_size]`,
    );
  }
  const formula = input.rank === 3 ? layout : '[seq_len, input_size]';
  const expected = [...input.shape.slice(0, -1), config.inputSize];
  if (input.shape[input.rank - 1] !== config.inputSize) {
    throw new ShapeError(
      `lstm: input has shape ${formatShape(input.shape)}, expected ${formula} = ${formatShape(expected)} (input_size from weight_ih_l0)`,
    );
  }
  const seqAxis = input.rank === 3 && config.batchFirst ? 1 : 0;
  if (input.shape[seqAxis] === 0) {
    throw new ShapeError(
      `lstm: input has shape ${formatShape(input.shape)}, expected ${formula} with seq_len at least 1`,
    );
  }
}

/** Checks that `t` has the weights' dtype and backend. */
function checkLike(name: string, t: Tensor, config: LstmConfig): void {
  if (t.dtype !== config.dtype) {
    throw new DTypeError(
      `lstm: ${name} has dtype ${t.dtype} but the weights have ${config.dtype}; cast it with .cast('${config.dtype}')`,
    );
  }
  if (t.backend !== config.backend) {
    throw new BackendError(
      `lstm: ${name} is on backend '${t.backend}' but the weights are on '${config.backend}'; move it with t.to('${config.backend}')`,
    );
  }
}

/** h0 and c0 per layer and direction, each [batch, size]: the given state after checks, or zeros. */
function initialState(
  state: readonly [Tensor, Tensor] | undefined,
  config: LstmConfig,
  batched: boolean,
  batch: number,
): [Tensor[], Tensor[]] {
  const count = config.numLayers * config.directions;
  const outSize = config.projSize > 0 ? config.projSize : config.hiddenSize;
  if (state === undefined) {
    const options = { dtype: config.dtype, backend: config.backend };
    const h = Array.from({ length: count }, () => zeros([batch, outSize], options));
    const c = Array.from({ length: count }, () => zeros([batch, config.hiddenSize], options));
    return [h, c];
  }
  if (!Array.isArray(state) || state.length !== 2) {
    throw new InvalidArgumentError('lstm: state must be [h0, c0] or undefined for zeros');
  }
  const batchPart = batched ? ', batch' : '';
  const sizes = [
    { name: 'h0', size: outSize, sizeName: config.projSize > 0 ? 'proj_size' : 'hidden_size' },
    { name: 'c0', size: config.hiddenSize, sizeName: 'hidden_size' },
  ];
  const perLayer = sizes.map(({ name, size, sizeName }, k) => {
    const t: unknown = state[k];
    if (!(t instanceof Tensor)) {
      throw new InvalidArgumentError(`lstm: ${name} must be a Tensor, got ${t}`);
    }
    checkLike(name, t, config);
    const expected = batched ? [count, batch, size] : [count, size];
    if (t.shape.join() !== expected.join()) {
      throw new ShapeError(
        `lstm: ${name} has shape ${formatShape(t.shape)}, expected [num_layers*num_directions${batchPart}, ${sizeName}] = ${formatShape(expected)}`,
      );
    }
    const full = batched ? t : t.unsqueeze(1);
    return Array.from({ length: count }, (_, i) => full.select(0, i));
  });
  return [perLayer[0], perLayer[1]];
}
