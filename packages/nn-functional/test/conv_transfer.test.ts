import '@metagrad/backend-cpu/register';
import { loadSafetensors, mapTree, type Tensor, unflattenDotted } from '@metagrad/core';
import { describe, expect, it } from 'vitest';
import { conv2d } from '../src/index.js';
import { expectRelativeClose, readFixtureBytes } from './lstm_helpers.js';

// Written by fixtures/gen_conv_safetensors.py from a float32
// torch.nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2).
const OPTIONS = { stride: 2, padding: 1, groups: 2 };

function load(): { conv: { weight: Tensor; bias: Tensor }; reference: Record<string, Tensor> } {
  const { tensors } = loadSafetensors(readFixtureBytes('conv_transfer.safetensors'));
  return unflattenDotted(tensors) as never;
}

describe('conv2d weight transfer from PyTorch', () => {
  it('state_dict has weight and bias with PyTorch shapes', () => {
    const { conv } = load();
    expect(conv.weight.shape).toEqual([6, 2, 3, 3]);
    expect(conv.bias.shape).toEqual([6]);
  });

  it('float32 state_dict gives PyTorch float32 output', () => {
    const { conv, reference } = load();
    const output = conv2d(reference.input, conv.weight, conv.bias, OPTIONS);
    expectRelativeClose(output, reference.output, 1e-6, 'output');
  });

  it('same weights in float64 give PyTorch float64 output', () => {
    const { conv, reference } = load();
    const weights = mapTree(conv, (t) => t.cast('float64'));
    const output = conv2d(reference.input.cast('float64'), weights.weight, weights.bias, OPTIONS);
    expectRelativeClose(output, reference.output_float64, 1e-12, 'output');
  });
});
