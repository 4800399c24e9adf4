import '@metagrad/backend-cpu/register';
import { loadSafetensors, mapTree, type Tensor, unflattenDotted } from '@metagrad/core';
import { describe, expect, it } from 'vitest';
import { lstm, lstmWeightNames } from '../src/index.js';
import { expectRelativeClose, readFixtureBytes } from './lstm_helpers.js';

// Written by fixtures/gen_lstm_safetensors.py from a float32 torch.nn.LSTM(input_size=3,
// hidden_size=5, num_layers=2, bidirectional=True, batch_first=True).
const OPTIONS = { numLayers: 2, bidirectional: true, batchFirst: true };

function load(): { lstm: Record<string, Tensor>; reference: Record<string, Tensor> } {
  const { tensors } = loadSafetensors(readFixtureBytes('lstm_transfer.safetensors'));
  return unflattenDotted(tensors) as never;
}

describe('lstm weight transfer from PyTorch', () => {
  it('state_dict names match lstmWeightNames', () => {
    const { lstm: weights } = load();
    expect(Object.keys(weights).sort()).toEqual(lstmWeightNames(OPTIONS).sort());
  });

  it('float32 state_dict gives PyTorch float32 outputs', () => {
    const { lstm: weights, reference } = load();
    expect(weights.weight_ih_l0.dtype).toBe('float32');
    const [output, [hN, cN]] = lstm(reference.input, undefined, weights, OPTIONS);
    // Both sides round in float32 (PyTorch in its own operation order), so they agree to
    // float32 precision, not bit for bit.
    expectRelativeClose(output, reference.output, 1e-6, 'output');
    expectRelativeClose(hN, reference.h_n, 1e-6, 'h_n');
    expectRelativeClose(cN, reference.c_n, 1e-6, 'c_n');
  });

  it('same weights in float64 give PyTorch float64 outputs', () => {
    const { lstm: weights, reference } = load();
    const weights64 = mapTree(weights, (t) => t.cast('float64'));
    const input = reference.input.cast('float64');
    const [output, [hN, cN]] = lstm(input, undefined, weights64, OPTIONS);
    expectRelativeClose(output, reference.output_float64, 1e-12, 'output');
    expectRelativeClose(hN, reference.h_n_float64, 1e-12, 'h_n');
    expectRelativeClose(cN, reference.c_n_float64, 1e-12, 'c_n');
  });
});
