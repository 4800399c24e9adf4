import {
  BackendError,
  batchMatmul,
  DTypeError,
  formatShape,
  InvalidArgumentError,
  ShapeError,
  Tensor,
  zeros,
} from '@metagrad/core';

/** Weights of {@link lstmCell}, with `torch.nn.LSTMCell`'s parameter names. */
export interface LstmCellWeights {
  /** [4*hidden_size, input_size], gates in the order i, f, g, o. */
  weight_ih: Tensor;
  /** [4*hidden_size, hidden_size]. */
  weight_hh: Tensor;
  /** [4*hidden_size]; present together with `bias_hh` or not at all. */
  bias_ih?: Tensor;
  /** [4*hidden_size]; present together with `bias_ih` or not at all. */
  bias_hh?: Tensor;
}

const CELL_WEIGHT_NAMES = ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'];

/**
 * Advances an LSTM by one time step from precomputed input gates `inputGates` ([batch,
 * 4*hidden_size]: x W_ih^T plus both biases). `weightHr` projects the new hidden state when
 * given. Returns [h, c].
 */
export function lstmStep(
  inputGates: Tensor,
  h: Tensor,
  c: Tensor,
  weightHh: Tensor,
  weightHr: Tensor | null,
): [Tensor, Tensor] {
  const gates = inputGates.add(batchMatmul(h, weightHh, false, true));
  const hiddenSize = gates.shape[gates.rank - 1] / 4;
  const [i, f, g, o] = gates.split(hiddenSize, -1);
  const cNext = f.sigmoid().mul(c).add(i.sigmoid().mul(g.tanh()));
  let hNext = o.sigmoid().mul(cNext.tanh());
  if (weightHr) hNext = batchMatmul(hNext, weightHr, false, true);
  return [hNext, cNext];
}

/**
 * Runs one LSTM step, as `torch.nn.LSTMCell`. `input` is [batch, input_size] or unbatched
 * [input_size], and the state [h, c] is [batch, hidden_size] each (unbatched [hidden_size]) or
 * undefined for zeros. Returns the new [h, c]. The gate order is i, f, g, o, as in PyTorch.
 */
export function lstmCell(
  input: Tensor,
  state: readonly [Tensor, Tensor] | undefined,
  weights: LstmCellWeights | readonly Tensor[],
  options: { bias?: boolean } = {},
): [Tensor, Tensor] {
  const { weightIh, weightHh, biasIh, biasHh } = validateCellWeights(weights, options);
  const hiddenSize = weightIh.shape[0] / 4;
  const inputSize = weightIh.shape[1];

  checkCellTensor('input', input, weightIh);
  if (input.rank !== 1 && input.rank !== 2) {
    throw new ShapeError(
      `lstmCell: input has shape ${formatShape(input.shape)}, expected [batch, input_size] or unbatched [input_size]`,
    );
  }
  if (input.shape[input.rank - 1] !== inputSize) {
    const expected = input.rank === 2 ? [input.shape[0], inputSize] : [inputSize];
    const formula = input.rank === 2 ? '[batch, input_size]' : '[input_size]';
    throw new ShapeError(
      `lstmCell: input has shape ${formatShape(input.shape)}, expected ${formula} = ${formatShape(expected)}`,
    );
  }

  const batched = input.rank === 2;
  const x = batched ? input : input.unsqueeze(0);
  const batch = x.shape[0];
  let h: Tensor;
  let c: Tensor;
  if (state === undefined) {
    // A zero state is multiplied through like any other, as in PyTorch, so that weight_hh
    // still gets a (zero) gradient.
    h = zeros([batch, hiddenSize], { dtype: x.dtype, backend: x.backend });
    c = h;
  } else {
    [h, c] = checkCellState(state, batched, batch, hiddenSize, weightIh);
  }

  let inputGates = batchMatmul(x, weightIh, false, true);
  if (biasIh && biasHh) inputGates = inputGates.add(biasIh).add(biasHh);
  const [hNext, cNext] = lstmStep(inputGates, h, c, weightHh, null);
  return batched ? [hNext, cNext] : [hNext.squeeze(0), cNext.squeeze(0)];
}

function checkCellState(
  state: readonly [Tensor, Tensor],
  batched: boolean,
  batch: number,
  hiddenSize: number,
  weightIh: Tensor,
): [Tensor, Tensor] {
  if (!Array.isArray(state) || state.length !== 2) {
    throw new InvalidArgumentError('lstmCell: state must be [h, c] or undefined for zeros');
  }
  const formula = batched ? '[batch, hidden_size]' : '[hidden_size]';
  const expected = batched ? [batch, hiddenSize] : [hiddenSize];
  state.forEach((t, k) => {
    const name = k === 0 ? 'h' : 'c';
    checkCellTensor(name, t, weightIh);
    if (t.shape.join() !== expected.join()) {
      throw new ShapeError(
        `lstmCell: ${name} has shape ${formatShape(t.shape)}, expected ${formula} = ${formatShape(expected)}`,
      );
    }
  });
  return batched ? [state[0], state[1]] : [state[0].unsqueeze(0), state[1].unsqueeze(0)];
}

function validateCellWeights(
  weights: LstmCellWeights | readonly Tensor[],
  options: { bias?: boolean },
): { weightIh: Tensor; weightHh: Tensor; biasIh?: Tensor; biasHh?: Tensor } {
  for (const key of Object.keys(options ?? {})) {
    if (key !== 'bias') {
      throw new InvalidArgumentError(`lstmCell: unknown option '${key}'; the only option is bias`);
    }
  }
  let record: Record<string, unknown>;
  if (Array.isArray(weights)) {
    if (weights.length !== 2 && weights.length !== 4) {
      throw new InvalidArgumentError(
        `lstmCell: got a flat array of ${weights.length} weights, expected 2 (weight_ih, weight_hh) or 4 (weight_ih, weight_hh, bias_ih, bias_hh)`,
      );
    }
    record = Object.fromEntries(weights.map((w, i) => [CELL_WEIGHT_NAMES[i], w]));
  } else if (weights !== null && typeof weights === 'object' && !(weights instanceof Tensor)) {
    record = { ...weights };
  } else {
    throw new InvalidArgumentError(
      'lstmCell: weights must be a record { weight_ih, weight_hh, bias_ih?, bias_hh? } or a flat array in that order',
    );
  }
  for (const [name, value] of Object.entries(record)) {
    if (!CELL_WEIGHT_NAMES.includes(name)) {
      throw new InvalidArgumentError(
        `lstmCell: unexpected weight '${name}'; expected weight_ih, weight_hh and optionally bias_ih, bias_hh`,
      );
    }
    if (!(value instanceof Tensor)) {
      throw new InvalidArgumentError(`lstmCell: weight ${name} must be a Tensor, got ${value}`);
    }
  }
  for (const name of ['weight_ih', 'weight_hh']) {
    if (!(name in record)) throw new InvalidArgumentError(`lstmCell: ${name} is missing`);
  }
  const hasBias = 'bias_ih' in record || 'bias_hh' in record;
  if (hasBias && !('bias_ih' in record && 'bias_hh' in record)) {
    const [present, absent] = 'bias_ih' in record ? ['bias_ih', 'bias_hh'] : ['bias_hh', 'bias_ih'];
    throw new InvalidArgumentError(
      `lstmCell: ${present} is present but ${absent} is missing; pass both biases or neither`,
    );
  }
  if (options.bias === false && hasBias) {
    throw new InvalidArgumentError(
      'lstmCell: bias_ih is present but bias is false; pass bias: true or remove the biases',
    );
  }
  if (options.bias === true && !hasBias) {
    throw new InvalidArgumentError(
      'lstmCell: bias_ih is missing; pass bias: false for a cell without biases',
    );
  }

  const weightIh = record.weight_ih as Tensor;
  if (weightIh.rank !== 2 || weightIh.shape[0] === 0 || weightIh.shape[0] % 4 !== 0) {
    throw new ShapeError(
      `lstmCell: weight_ih has shape ${formatShape(weightIh.shape)}, expected [4*hidden_size, input_size]: a 2-D tensor whose first dimension is a positive multiple of 4`,
    );
  }
  if (weightIh.dtype !== 'float32' && weightIh.dtype !== 'float64') {
    throw new DTypeError(
      `lstmCell: weight_ih has dtype ${weightIh.dtype}, expected float32 or float64`,
    );
  }
  const gates = weightIh.shape[0];
  const expected: Record<string, { shape: number[]; formula: string }> = {
    weight_hh: { shape: [gates, gates / 4], formula: '[4*hidden_size, hidden_size]' },
    bias_ih: { shape: [gates], formula: '[4*hidden_size]' },
    bias_hh: { shape: [gates], formula: '[4*hidden_size]' },
  };
  for (const [name, { shape, formula }] of Object.entries(expected)) {
    const weight = record[name] as Tensor | undefined;
    if (!weight) continue;
    checkCellTensor(name, weight, weightIh);
    if (weight.shape.join() !== shape.join()) {
      throw new ShapeError(
        `lstmCell: ${name} has shape ${formatShape(weight.shape)}, expected ${formula} = ${formatShape(shape)}`,
      );
    }
  }
  return {
    weightIh,
    weightHh: record.weight_hh as Tensor,
    biasIh: record.bias_ih as Tensor | undefined,
    biasHh: record.bias_hh as Tensor | undefined,
  };
}

/** Checks that `t` is a tensor with weight_ih's dtype and backend. */
function checkCellTensor(name: string, t: unknown, weightIh: Tensor): void {
  if (!(t instanceof Tensor)) {
    throw new InvalidArgumentError(`lstmCell: ${name} must be a Tensor, got ${t}`);
  }
  if (t.dtype !== weightIh.dtype) {
    throw new DTypeError(
      `lstmCell: ${name} has dtype ${t.dtype} but weight_ih has ${weightIh.dtype}; cast it with .cast('${weightIh.dtype}')`,
    );
  }
  if (t.backend !== weightIh.backend) {
    throw new BackendError(
      `lstmCell: ${name} is on backend '${t.backend}' but weight_ih is on '${weightIh.backend}'; move it with t.to('${weightIh.backend}')`,
    );
  }
}
