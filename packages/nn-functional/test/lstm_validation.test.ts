import '@metagrad/backend-cpu/register';
import { registerCpuBackend } from '@metagrad/backend-cpu';
import {
  BackendError,
  DTypeError,
  Generator,
  InvalidArgumentError,
  ShapeError,
  type Tensor,
  zeros,
} from '@metagrad/core';
import { describe, expect, it } from 'vitest';
import { initLstm, type LstmOptions, lstm, lstmCell, lstmWeightNames } from '../src/index.js';

const generator = new Generator(5);

function weightsFor(options: LstmOptions & { inputSize: number; hiddenSize: number }) {
  return initLstm(options, generator);
}

function without(weights: Record<string, Tensor>, ...names: string[]): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(weights).filter(([name]) => !names.includes(name)));
}

const small = { inputSize: 3, hiddenSize: 4 };
const input = zeros([5, 2, 3]);

describe('lstm weight validation', () => {
  it('rejects a recurrent weight shaped like the input weight', () => {
    const weights = {
      ...weightsFor({ inputSize: 64, hiddenSize: 128 }),
      weight_hh_l0: zeros([512, 64]),
    };
    const x = zeros([2, 1, 64]);
    expect(() => lstm(x, undefined, weights)).toThrow(ShapeError);
    expect(() => lstm(x, undefined, weights)).toThrow(
      'lstm: weight_hh_l0 has shape [512, 64], expected [4*hidden_size, hidden_size] = [512, 128]',
    );
  });

  it('rejects a layer-1 input weight of the wrong width', () => {
    const options = { ...small, numLayers: 2, bidirectional: true, projSize: 2 };
    const weights = { ...weightsFor(options), weight_ih_l1_reverse: zeros([16, 2]) };
    expect(() => lstm(input, undefined, weights, options)).toThrow(
      'lstm: weight_ih_l1_reverse has shape [16, 2], expected [4*hidden_size, 2*proj_size] = [16, 4]',
    );
  });

  it('rejects a misshaped bias and projection', () => {
    const options = { ...small, projSize: 2 };
    const badBias = { ...weightsFor(options), bias_hh_l0: zeros([4]) };
    expect(() => lstm(input, undefined, badBias, options)).toThrow(
      'lstm: bias_hh_l0 has shape [4], expected [4*hidden_size] = [16]',
    );
    const badProjection = { ...weightsFor(options), weight_hr_l0: zeros([4, 2]) };
    expect(() => lstm(input, undefined, badProjection, options)).toThrow(
      'lstm: weight_hr_l0 has shape [4, 2], expected [proj_size, hidden_size] = [2, 4]',
    );
  });

  it('rejects weight_ih_l0 whose first dimension is not a multiple of 4', () => {
    const weights = { ...weightsFor(small), weight_ih_l0: zeros([10, 3]) };
    expect(() => lstm(input, undefined, weights)).toThrow(
      /weight_ih_l0 has shape \[10, 3\], expected \[4\*hidden_size, input_size\]: a 2-D tensor/,
    );
  });

  it('rejects a missing weight', () => {
    const options = { ...small, numLayers: 2 };
    const weights = without(weightsFor(options), 'weight_hh_l1');
    expect(() => lstm(input, undefined, weights, options)).toThrow(InvalidArgumentError);
    expect(() => lstm(input, undefined, weights, options)).toThrow(
      /^lstm: weight_hh_l1 is missing; expected the weights weight_ih_l0, weight_hh_l0, /,
    );
  });

  it('rejects an unknown weight name', () => {
    const weights = { ...weightsFor(small), weight_ih: zeros([16, 3]) };
    expect(() => lstm(input, undefined, weights)).toThrow(
      /^lstm: unexpected weight 'weight_ih'; expected the weights weight_ih_l0, /,
    );
  });

  it('rejects weights of more layers than numLayers', () => {
    const weights = weightsFor({ ...small, numLayers: 2 });
    expect(() => lstm(input, undefined, weights)).toThrow(
      'lstm: weight_ih_l1 is present but numLayers is 1; pass numLayers: 2 to run every layer the weights define',
    );
  });

  it('rejects numLayers beyond the weights', () => {
    const weights = weightsFor(small);
    expect(() => lstm(input, undefined, weights, { numLayers: 2 })).toThrow(
      'lstm: weight_ih_l1 is missing: numLayers is 2 but the weights define 1 layer(s)',
    );
  });

  it('rejects bidirectional without reverse weights', () => {
    const weights = weightsFor(small);
    expect(() => lstm(input, undefined, weights, { bidirectional: true })).toThrow(
      'lstm: bidirectional is true but weight_ih_l0_reverse is missing, and no _reverse weights were given; pass bidirectional: false for a one-direction LSTM',
    );
  });

  it('rejects reverse weights without bidirectional', () => {
    const weights = weightsFor({ ...small, bidirectional: true });
    expect(() => lstm(input, undefined, weights)).toThrow(
      'lstm: weight_ih_l0_reverse is present but bidirectional is false; pass bidirectional: true to run the reverse direction, or remove the _reverse weights',
    );
  });

  it('rejects biases with bias: false', () => {
    const weights = weightsFor(small);
    expect(() => lstm(input, undefined, weights, { bias: false })).toThrow(
      'lstm: bias_ih_l0 is present but bias is false; pass bias: true or remove the biases',
    );
  });

  it('rejects missing biases with bias: true', () => {
    const weights = weightsFor({ ...small, bias: false });
    expect(() => lstm(input, undefined, weights)).toThrow(
      'lstm: bias_ih_l0 is missing; pass bias: false for an LSTM without biases',
    );
  });

  it('rejects a projection weight with projSize 0', () => {
    const weights = weightsFor({ ...small, projSize: 2 });
    expect(() => lstm(input, undefined, weights)).toThrow(
      'lstm: weight_hr_l0 is present but projSize is 0; pass projSize: 2 to use the projection',
    );
  });

  it('rejects projSize without a projection weight', () => {
    const weights = weightsFor(small);
    expect(() => lstm(input, undefined, weights, { projSize: 2 })).toThrow(
      'lstm: weight_hr_l0 is missing but projSize is 2; pass projSize: 0 for an LSTM without projections',
    );
  });

  it('rejects a flat array of the wrong length', () => {
    const weights = Object.values(weightsFor(small)).slice(0, 3);
    expect(() => lstm(input, undefined, weights)).toThrow(
      'lstm: got a flat array of 3 weights, expected 4 in the order weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0',
    );
  });

  it('rejects a value that is not a tensor', () => {
    const weights = { ...weightsFor(small), bias_hh_l0: [1, 2] as unknown as Tensor };
    expect(() => lstm(input, undefined, weights)).toThrow(
      'lstm: weight bias_hh_l0 must be a Tensor, got 1,2',
    );
  });

  it('rejects non-float weights', () => {
    const weights = { ...weightsFor(small), weight_ih_l0: zeros([16, 3], { dtype: 'int32' }) };
    expect(() => lstm(input, undefined, weights)).toThrow(DTypeError);
    expect(() => lstm(input, undefined, weights)).toThrow(
      'lstm: weight_ih_l0 has dtype int32, expected float32 or float64',
    );
  });

  it('rejects weights of mixed dtypes', () => {
    const weights = { ...weightsFor(small), bias_ih_l0: zeros([16], { dtype: 'float64' }) };
    expect(() => lstm(input, undefined, weights)).toThrow(
      'lstm: bias_ih_l0 has dtype float64 but weight_ih_l0 has float32; every weight must have one float dtype',
    );
  });

  it('rejects a weight on another backend', () => {
    registerCpuBackend('cpu-second');
    const weights = {
      ...weightsFor(small),
      weight_hh_l0: zeros([16, 4], { backend: 'cpu-second' }),
    };
    expect(() => lstm(input, undefined, weights)).toThrow(BackendError);
    expect(() => lstm(input, undefined, weights)).toThrow(
      "lstm: weight_hh_l0 is on backend 'cpu-second' but weight_ih_l0 is on 'cpu'; move it with t.to('cpu')",
    );
  });

  it('rejects an input on another backend', () => {
    registerCpuBackend('cpu-second');
    const x = zeros([5, 2, 3], { backend: 'cpu-second' });
    expect(() => lstm(x, undefined, weightsFor(small))).toThrow(
      "lstm: input is on backend 'cpu-second' but the weights are on 'cpu'; move it with t.to('cpu')",
    );
  });
});

describe('lstm option validation', () => {
  it('rejects a hiddenSize that contradicts the weights', () => {
    const weights = weightsFor(small);
    expect(() => lstm(input, undefined, weights, { hiddenSize: 8 })).toThrow(ShapeError);
    expect(() => lstm(input, undefined, weights, { hiddenSize: 8 })).toThrow(
      "lstm: weight_ih_l0 has shape [16, 3], expected [4*hidden_size, input_size] = [32, 3] because the options' hiddenSize is 8",
    );
  });

  it('rejects an inputSize that contradicts the weights', () => {
    const weights = weightsFor(small);
    expect(() => lstm(input, undefined, weights, { inputSize: 5 })).toThrow(
      "lstm: weight_ih_l0 has shape [16, 3], expected [4*hidden_size, input_size] = [16, 5] because the options' inputSize is 5",
    );
  });

  it('accepts sizes that agree with the weights', () => {
    const [output] = lstm(input, undefined, weightsFor(small), small);
    expect(output.shape).toEqual([5, 2, 4]);
  });

  it('rejects an unknown option', () => {
    const options = { bidirectonal: true } as LstmOptions;
    expect(() => lstm(input, undefined, weightsFor(small), options)).toThrow(
      /^lstm: unknown option 'bidirectonal'; the options are inputSize, hiddenSize, numLayers, /,
    );
  });

  it('rejects invalid option values', () => {
    const weights = weightsFor(small);
    expect(() => lstm(input, undefined, weights, { numLayers: 0 })).toThrow(
      'lstm: numLayers must be a positive integer, got 0',
    );
    expect(() => lstm(input, undefined, weights, { dropout: 1.5 })).toThrow(
      'lstm: dropout must be a number in [0, 1], got 1.5',
    );
    expect(() => lstm(input, undefined, weights, { projSize: -1 })).toThrow(
      'lstm: projSize must be a non-negative integer (0 for no projection), got -1',
    );
    expect(() => lstm(input, undefined, weights, { batchFirst: 1 as never })).toThrow(
      'lstm: batchFirst must be true or false, got 1',
    );
  });

  it('rejects projSize not smaller than hiddenSize', () => {
    expect(() => initLstm({ ...small, projSize: 4 })).toThrow(
      'initLstm: projSize 4 must be smaller than hidden_size 4, as in torch.nn.LSTM',
    );
  });

  it('rejects lstmWeightNames options of the wrong kind', () => {
    expect(() => lstmWeightNames({ numLayers: 1.5 })).toThrow(
      'lstmWeightNames: numLayers must be a positive integer, got 1.5',
    );
  });
});

describe('lstm input and state validation', () => {
  const weights = weightsFor(small);

  it('rejects an input feature size that does not match', () => {
    expect(() => lstm(zeros([5, 2, 7]), undefined, weights)).toThrow(ShapeError);
    expect(() => lstm(zeros([5, 2, 7]), undefined, weights)).toThrow(
      'lstm: input has shape [5, 2, 7], expected [seq_len, batch, input_size] = [5, 2, 3] (input_size from weight_ih_l0)',
    );
    expect(() => lstm(zeros([2, 5, 7]), undefined, weights, { batchFirst: true })).toThrow(
      'lstm: input has shape [2, 5, 7], expected [batch, seq_len, input_size] = [2, 5, 3] (input_size from weight_ih_l0)',
    );
  });

  it('rejects an input of the wrong rank', () => {
    expect(() => lstm(zeros([3]), undefined, weights)).toThrow(
      'lstm: input has shape [3], expected 3-D [seq_len, batch, input_size] or unbatched 2-D [seq_len, input_size]',
    );
  });

  it('rejects an empty sequence', () => {
    expect(() => lstm(zeros([0, 2, 3]), undefined, weights)).toThrow(
      'lstm: input has shape [0, 2, 3], expected [seq_len, batch, input_size] with seq_len at least 1',
    );
  });

  it('rejects an input of another dtype', () => {
    const x = zeros([5, 2, 3], { dtype: 'float64' });
    expect(() => lstm(x, undefined, weights)).toThrow(DTypeError);
    expect(() => lstm(x, undefined, weights)).toThrow(
      "lstm: input has dtype float64 but the weights have float32; cast it with .cast('float32')",
    );
  });

  it('rejects h0 of the wrong shape', () => {
    const state: [Tensor, Tensor] = [zeros([2, 2, 4]), zeros([1, 2, 4])];
    expect(() => lstm(input, state, weights)).toThrow(ShapeError);
    expect(() => lstm(input, state, weights)).toThrow(
      'lstm: h0 has shape [2, 2, 4], expected [num_layers*num_directions, batch, hidden_size] = [1, 2, 4]',
    );
  });

  it('rejects c0 of the wrong shape', () => {
    const state: [Tensor, Tensor] = [zeros([1, 2, 4]), zeros([1, 3, 4])];
    expect(() => lstm(input, state, weights)).toThrow(
      'lstm: c0 has shape [1, 3, 4], expected [num_layers*num_directions, batch, hidden_size] = [1, 2, 4]',
    );
  });

  it('rejects h0 sized by hidden_size when projSize is set', () => {
    const options = { ...small, projSize: 2 };
    const state: [Tensor, Tensor] = [zeros([1, 2, 4]), zeros([1, 2, 4])];
    expect(() => lstm(input, state, weightsFor(options), options)).toThrow(
      'lstm: h0 has shape [1, 2, 4], expected [num_layers*num_directions, batch, proj_size] = [1, 2, 2]',
    );
  });

  it('rejects a batched state with unbatched input', () => {
    const state: [Tensor, Tensor] = [zeros([1, 1, 4]), zeros([1, 1, 4])];
    expect(() => lstm(zeros([5, 3]), state, weights)).toThrow(
      'lstm: h0 has shape [1, 1, 4], expected [num_layers*num_directions, hidden_size] = [1, 4]',
    );
  });

  it('rejects a state that is not a pair', () => {
    const state = [zeros([1, 2, 4])] as unknown as [Tensor, Tensor];
    expect(() => lstm(input, state, weights)).toThrow(
      'lstm: state must be [h0, c0] or undefined for zeros',
    );
  });
});

describe('lstmCell validation', () => {
  const cellWeights = () => ({
    weight_ih: zeros([16, 3]),
    weight_hh: zeros([16, 4]),
    bias_ih: zeros([16]),
    bias_hh: zeros([16]),
  });
  const x = zeros([2, 3]);

  it('rejects a recurrent weight shaped like the input weight', () => {
    const weights = { ...cellWeights(), weight_hh: zeros([16, 3]) };
    expect(() => lstmCell(x, undefined, weights)).toThrow(
      'lstmCell: weight_hh has shape [16, 3], expected [4*hidden_size, hidden_size] = [16, 4]',
    );
  });

  it('rejects a missing weight', () => {
    const { weight_hh: _, ...weights } = cellWeights();
    expect(() => lstmCell(x, undefined, weights as never)).toThrow(
      'lstmCell: weight_hh is missing',
    );
  });

  it('rejects an extra weight', () => {
    const weights = { ...cellWeights(), weight_hr: zeros([2, 4]) };
    expect(() => lstmCell(x, undefined, weights)).toThrow(
      "lstmCell: unexpected weight 'weight_hr'; expected weight_ih, weight_hh and optionally bias_ih, bias_hh",
    );
  });

  it('rejects one bias without the other', () => {
    const { bias_hh: _, ...weights } = cellWeights();
    expect(() => lstmCell(x, undefined, weights)).toThrow(
      'lstmCell: bias_ih is present but bias_hh is missing; pass both biases or neither',
    );
  });

  it('rejects biases with bias: false', () => {
    expect(() => lstmCell(x, undefined, cellWeights(), { bias: false })).toThrow(
      'lstmCell: bias_ih is present but bias is false; pass bias: true or remove the biases',
    );
  });

  it('rejects an input feature size that does not match', () => {
    expect(() => lstmCell(zeros([2, 5]), undefined, cellWeights())).toThrow(
      'lstmCell: input has shape [2, 5], expected [batch, input_size] = [2, 3]',
    );
  });

  it('rejects h and c of the wrong shape', () => {
    expect(() => lstmCell(x, [zeros([2, 3]), zeros([2, 4])], cellWeights())).toThrow(
      'lstmCell: h has shape [2, 3], expected [batch, hidden_size] = [2, 4]',
    );
    expect(() => lstmCell(zeros([3]), [zeros([4]), zeros([1, 4])], cellWeights())).toThrow(
      'lstmCell: c has shape [1, 4], expected [hidden_size] = [4]',
    );
  });

  it('rejects non-float weights and a dtype mismatch', () => {
    const intWeights = { ...cellWeights(), weight_ih: zeros([16, 3], { dtype: 'int32' }) };
    expect(() => lstmCell(x, undefined, intWeights)).toThrow(
      'lstmCell: weight_ih has dtype int32, expected float32 or float64',
    );
    expect(() => lstmCell(zeros([2, 3], { dtype: 'float64' }), undefined, cellWeights())).toThrow(
      "lstmCell: input has dtype float64 but weight_ih has float32; cast it with .cast('float32')",
    );
  });

  it('rejects a weight on another backend', () => {
    registerCpuBackend('cpu-second');
    const weights = { ...cellWeights(), bias_hh: zeros([16], { backend: 'cpu-second' }) };
    expect(() => lstmCell(x, undefined, weights)).toThrow(
      "lstmCell: bias_hh is on backend 'cpu-second' but weight_ih is on 'cpu'; move it with t.to('cpu')",
    );
  });
});
