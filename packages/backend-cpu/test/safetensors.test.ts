import '../src/register.js';
import { readFileSync } from 'node:fs';
import {
  loadSafetensors,
  memory,
  SafetensorsError,
  saveSafetensors,
  type Tensor,
  tensor,
  unflattenDotted,
} from '@metagrad/core';
import { describe, expect, it } from 'vitest';

/** Builds a safetensors file by hand: an 8-byte little-endian header length, the JSON, the data. */
function buildFile(
  header: unknown,
  data: Uint8Array,
  headerText = JSON.stringify(header),
): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function bytesOf(values: Float32Array | Float64Array | Int32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** Asserts that loading `bytes` raises a SafetensorsError matching `message` and creates no tensor. */
function expectRejected(bytes: Uint8Array, message: RegExp): void {
  const before = memory().numTensors;
  expect(() => loadSafetensors(bytes)).toThrow(SafetensorsError);
  expect(() => loadSafetensors(bytes)).toThrow(message);
  expect(memory().numTensors).toBe(before);
}

const values = (t: Tensor | undefined) => Array.from(t!.dataSync());

describe('saveSafetensors and loadSafetensors', () => {
  it('should round-trip a nested pytree with metadata', () => {
    const tree = {
      encoder: {
        weight: tensor(
          [
            [0.5, -1.5],
            [2.25, 3],
          ],
          { dtype: 'float32' },
        ),
        bias: tensor([0.1, -0.2], { dtype: 'float64' }),
      },
      steps: tensor([7], { dtype: 'int32' }),
      masks: [tensor([true, false, true]), tensor([[false], [true]])],
    };

    const bytes = saveSafetensors(tree, { format: 'pt', note: 'round trip' });
    const { tensors, metadata } = loadSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt', note: 'round trip' });
    expect(Object.keys(tensors).sort()).toEqual(
      ['encoder.bias', 'encoder.weight', 'masks.0', 'masks.1', 'steps'].sort(),
    );

    const nested = unflattenDotted(tensors) as {
      encoder: { weight: Tensor; bias: Tensor };
      steps: Tensor;
      masks: Record<string, Tensor>;
    };
    expect(nested.encoder.weight.dtype).toBe('float32');
    expect(nested.encoder.weight.shape).toEqual([2, 2]);
    expect(values(nested.encoder.weight)).toEqual([0.5, -1.5, 2.25, 3]);
    expect(nested.encoder.bias.dtype).toBe('float64');
    expect(values(nested.encoder.bias)).toEqual([0.1, -0.2]);
    expect(nested.steps.dtype).toBe('int32');
    expect(values(nested.steps)).toEqual([7]);
    expect(nested.masks['0'].dtype).toBe('bool');
    expect(values(nested.masks['0'])).toEqual([1, 0, 1]);
    expect(nested.masks['1'].shape).toEqual([2, 1]);
  });

  it('should write the layout of the specification', () => {
    const bytes = saveSafetensors({
      a: tensor([1, 2], { dtype: 'float64' }),
      b: tensor([3], { dtype: 'int32' }),
    });
    const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
    expect(header).toEqual({
      a: { dtype: 'F64', shape: [2], data_offsets: [0, 16] },
      b: { dtype: 'I32', shape: [1], data_offsets: [16, 20] },
    });
    const data = bytes.slice(8 + headerLength);
    expect(data.length).toBe(20);
    expect(Array.from(new Float64Array(data.buffer, 0, 2))).toEqual([1, 2]);
    expect(new DataView(data.buffer).getInt32(16, true)).toBe(3);
  });

  it('should load a file built by hand', () => {
    const weight = new Float32Array([1.5, -2, 0.25, 8]);
    const ids = new Int32Array([-3, 4]);
    const data = new Uint8Array(24);
    data.set(bytesOf(weight), 0);
    data.set(bytesOf(ids), 16);
    const file = buildFile(
      {
        __metadata__: { author: 'test' },
        'layer.weight': { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] },
        ids: { dtype: 'I32', shape: [2], data_offsets: [16, 24] },
      },
      data,
    );
    const { tensors, metadata } = loadSafetensors(file);
    expect(metadata).toEqual({ author: 'test' });
    expect(tensors['layer.weight'].shape).toEqual([2, 2]);
    expect(values(tensors['layer.weight'])).toEqual([1.5, -2, 0.25, 8]);
    expect(values(tensors.ids)).toEqual([-3, 4]);
  });

  it('should load a file that starts at an odd offset of its buffer', () => {
    const file = saveSafetensors({ x: tensor([1, 2, 3], { dtype: 'float64' }) });
    const shifted = new Uint8Array(file.length + 1);
    shifted.set(file, 1);
    const { tensors } = loadSafetensors(shifted.subarray(1));
    expect(values(tensors.x)).toEqual([1, 2, 3]);
  });

  it('should load tiny.safetensors, written by fixtures/gen_safetensors.py', () => {
    const file = readFileSync(new URL('../../../fixtures/tiny.safetensors', import.meta.url));
    const { tensors, metadata } = loadSafetensors(file);
    expect(metadata).toEqual({ format: 'pt', source: 'fixtures/gen_safetensors.py' });
    const expected: Record<string, { dtype: string; shape: number[]; values: number[] }> = {
      'encoder.weight': {
        dtype: 'float32',
        shape: [2, 3],
        values: [0.5, -1.25, 2, 3.75, -0.125, 100],
      },
      'encoder.bias': { dtype: 'float64', shape: [3], values: [0.1, -0.2, 1e-300] },
      'head.scale': { dtype: 'float32', shape: [3], values: [1, -2.5, 0.0009765625] },
      'head.shift': { dtype: 'float32', shape: [2], values: [1.5, -256] },
      steps: { dtype: 'int32', shape: [], values: [123456789] },
      ids: { dtype: 'int32', shape: [4], values: [0, -1, 2147483647, -2147483648] },
      small: { dtype: 'int32', shape: [2], values: [-128, 127] },
      bytes: { dtype: 'int32', shape: [2], values: [0, 255] },
      mask: { dtype: 'bool', shape: [2, 2], values: [1, 0, 0, 1] },
    };
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, want] of Object.entries(expected)) {
      expect(tensors[name].dtype, name).toBe(want.dtype);
      expect(tensors[name].shape, name).toEqual(want.shape);
      expect(values(tensors[name]), name).toEqual(want.values);
    }
  });
});

describe('loadSafetensors errors', () => {
  const valid = () =>
    saveSafetensors({
      a: tensor([1, 2, 3], { dtype: 'float32' }),
      b: tensor([4], { dtype: 'int32' }),
    });

  it('should reject a file shorter than the length field', () => {
    expectRejected(new Uint8Array(5), /5 bytes, fewer than the 8-byte header length/);
  });

  it('should reject a file truncated inside the header', () => {
    expectRejected(valid().subarray(0, 20), /truncated/);
  });

  it('should reject a file truncated inside the data', () => {
    const file = valid();
    expectRejected(file.subarray(0, file.length - 2), /tensor 'b'.*do not fit the 14 data bytes/);
  });

  it('should reject an oversized header length', () => {
    const file = new Uint8Array(64);
    new DataView(file.buffer).setBigUint64(0, 2n ** 40n, true);
    expectRejected(file, /header length 1099511627776 exceeds/);
  });

  it('should reject invalid JSON', () => {
    expectRejected(
      buildFile(null, new Uint8Array(0), '{"a": {"dtype": "F32",'),
      /not valid UTF-8 JSON/,
    );
  });

  it('should reject a header that is not an object', () => {
    expectRejected(buildFile([1, 2], new Uint8Array(0)), /must be a JSON object/);
  });

  it('should reject offsets out of range', () => {
    const file = buildFile(
      { x: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } },
      new Uint8Array(8),
    );
    expectRejected(file, /tensor 'x'.*data_offsets \[4, 12\] that do not fit the 8 data bytes/);
  });

  it('should reject a shape that disagrees with the offsets', () => {
    const file = buildFile(
      { x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } },
      new Uint8Array(8),
    );
    expectRejected(file, /tensor 'x' \(F32 \[3\], 12 bytes\)/);
  });

  it('should reject an invalid shape', () => {
    const file = buildFile(
      { x: { dtype: 'F32', shape: [-1], data_offsets: [0, 0] } },
      new Uint8Array(0),
    );
    expectRejected(file, /tensor 'x' has an invalid shape \[-1\]/);
  });

  it('should reject overlapping tensors', () => {
    const file = buildFile(
      {
        x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        y: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
      },
      new Uint8Array(12),
    );
    expectRejected(file, /tensors 'x' and 'y' overlap/);
  });

  it('should reject an unknown dtype', () => {
    const file = buildFile(
      { x: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } },
      new Uint8Array(8),
    );
    expectRejected(file, /tensor 'x' has unsupported dtype "C64"/);
  });

  it('should reject an I64 value outside the int32 range', () => {
    const data = new Uint8Array(16);
    new DataView(data.buffer).setBigInt64(8, 2n ** 40n, true);
    const file = buildFile(
      {
        ok: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        big: { dtype: 'I64', shape: [1], data_offsets: [8, 16] },
      },
      data,
    );
    expectRejected(
      file,
      /tensor 'big' contains 1099511627776 at element 0, outside the int32 range/,
    );
  });
});
