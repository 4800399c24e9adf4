import type { DType, TypedArray } from './dtype.js';
import { InvalidArgumentError, MetagradError } from './errors.js';
import { fromTypedArray } from './ops/creation.js';
import { flattenTree } from './pytree.js';
import { sizeOf } from './shape.js';
import type { Tensor } from './tensor.js';

/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length N, N bytes of JSON describing each tensor (dtype, shape, byte offsets into the
 * data), then the raw little-endian data. Typed arrays use the platform's byte order, which is
 * little-endian on every platform Node and browsers run on in practice.
 */

/** A file that is not valid safetensors: the message states what is wrong, and nothing is loaded. */
export class SafetensorsError extends MetagradError {
  /** Class name, shown in stack traces. */
  override name = 'SafetensorsError';
}

/** The safetensors specification caps the header at 100 MB, which also bounds what a bad file can make us allocate. */
const MAX_HEADER_BYTES = 100_000_000;

const WRITE_CODES: Record<DType, string> = {
  float64: 'F64',
  float32: 'F32',
  int32: 'I32',
  bool: 'BOOL',
};

const READ_CODES: Record<string, { bytes: number; dtype: DType }> = {
  F64: { bytes: 8, dtype: 'float64' },
  F32: { bytes: 4, dtype: 'float32' },
  F16: { bytes: 2, dtype: 'float32' },
  BF16: { bytes: 2, dtype: 'float32' },
  I64: { bytes: 8, dtype: 'int32' },
  I32: { bytes: 4, dtype: 'int32' },
  I16: { bytes: 2, dtype: 'int32' },
  I8: { bytes: 1, dtype: 'int32' },
  U8: { bytes: 1, dtype: 'int32' },
  BOOL: { bytes: 1, dtype: 'bool' },
};

/**
 * Serializes the tensors of a pytree under their dotted paths (`l1.weight`), so that a PyTorch
 * `state_dict` saved with safetensors has the same keys. Reads every tensor synchronously.
 */
export function saveSafetensors(tree: unknown, metadata: Record<string, string> = {}): Uint8Array {
  const { leaves, paths } = flattenTree(tree);
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  leaves.forEach((t, i) => {
    const values = t.dataSync();
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    header[paths[i]] = {
      dtype: WRITE_CODES[t.dtype],
      shape: [...t.shape],
      data_offsets: [offset, offset + bytes.length],
    };
    chunks.push(bytes);
    offset += bytes.length;
  });
  let json = JSON.stringify(header);
  // The specification pads the header with spaces to a multiple of 8 bytes, so the data is aligned.
  const encoded = new TextEncoder().encode(json);
  json += ' '.repeat((8 - (encoded.length % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

interface Entry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

function parseHeader(bytes: Uint8Array): {
  entries: Entry[];
  metadata: Record<string, string>;
  dataStart: number;
} {
  if (!(bytes instanceof Uint8Array)) {
    throw new InvalidArgumentError(
      `loadSafetensors: expected a Uint8Array (or Buffer), got ${typeof bytes}`,
    );
  }
  if (bytes.length < 8) {
    throw new SafetensorsError(
      `loadSafetensors: the file has ${bytes.length} bytes, fewer than the 8-byte header length`,
    );
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(
      `loadSafetensors: the header length ${headerLength} exceeds the format's limit of ${MAX_HEADER_BYTES} bytes`,
    );
  }
  const n = Number(headerLength);
  if (8 + n > bytes.length) {
    throw new SafetensorsError(
      `loadSafetensors: the header claims ${n} bytes but the file has only ${bytes.length - 8} after the length; it is truncated`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (error) {
    throw new SafetensorsError(
      `loadSafetensors: the header is not valid UTF-8 JSON (${(error as Error).message})`,
    );
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new SafetensorsError('loadSafetensors: the header must be a JSON object');
  }
  const dataLength = bytes.length - 8 - n;
  const entries: Entry[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = raw as Record<string, string>;
      continue;
    }
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const code = READ_CODES[info?.dtype as string];
    if (!code) {
      throw new SafetensorsError(
        `loadSafetensors: tensor '${name}' has unsupported dtype ${JSON.stringify(info?.dtype)} (supported: ${Object.keys(READ_CODES).join(', ')})`,
      );
    }
    const shape = info.shape;
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new SafetensorsError(
        `loadSafetensors: tensor '${name}' has an invalid shape ${JSON.stringify(shape)}`,
      );
    }
    const offsets = info.data_offsets;
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isInteger(o) && o >= 0)
    ) {
      throw new SafetensorsError(
        `loadSafetensors: tensor '${name}' has invalid data_offsets ${JSON.stringify(offsets)}`,
      );
    }
    const [begin, end] = offsets as [number, number];
    const expected = sizeOf(shape) * code.bytes;
    if (end < begin || end > dataLength || end - begin !== expected) {
      throw new SafetensorsError(
        `loadSafetensors: tensor '${name}' (${info.dtype} ${JSON.stringify(shape)}, ${expected} bytes) has data_offsets [${begin}, ${end}] that do not fit the ${dataLength} data bytes`,
      );
    }
    entries.push({ name, dtype: info.dtype as string, shape, begin, end });
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].begin < sorted[i - 1].end) {
      throw new SafetensorsError(
        `loadSafetensors: tensors '${sorted[i - 1].name}' and '${sorted[i].name}' overlap in the data`,
      );
    }
  }
  return { entries, metadata, dataStart: 8 + n };
}

function float16ToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function decode(entry: Entry, source: Uint8Array): TypedArray {
  // A copy with its own aligned buffer. `source` may be a Node Buffer, whose slice() is a view.
  const raw = new Uint8Array(source);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const n = sizeOf(entry.shape);
  switch (entry.dtype) {
    case 'F64':
      return new Float64Array(raw.buffer);
    case 'F32':
      return new Float32Array(raw.buffer);
    case 'I32':
      return new Int32Array(raw.buffer);
    case 'BOOL':
      return raw;
    case 'F16':
      return Float32Array.from({ length: n }, (_, i) =>
        float16ToFloat32(view.getUint16(2 * i, true)),
      );
    case 'BF16':
      return Float32Array.from(
        { length: n },
        (_, i) => new Float32Array(new Uint32Array([view.getUint16(2 * i, true) << 16]).buffer)[0],
      );
    case 'I64':
      return Int32Array.from({ length: n }, (_, i) => {
        const v = view.getBigInt64(8 * i, true);
        if (v > 2147483647n || v < -2147483648n) {
          throw new SafetensorsError(
            `loadSafetensors: tensor '${entry.name}' contains ${v} at element ${i}, outside the int32 range`,
          );
        }
        return Number(v);
      });
    case 'I16':
      return Int32Array.from({ length: n }, (_, i) => view.getInt16(2 * i, true));
    case 'I8':
      return Int32Array.from({ length: n }, (_, i) => view.getInt8(i));
    default:
      return Int32Array.from({ length: n }, (_, i) => view.getUint8(i));
  }
}

/**
 * Parses a safetensors file into tensors keyed by name (float16 and bfloat16 become float32;
 * 8-, 16- and 64-bit integers become int32). The whole file is validated before any tensor is
 * created, so a malformed, truncated or oversized file raises a SafetensorsError and loads nothing.
 */
export function loadSafetensors(
  bytes: Uint8Array,
  options: { backend?: string } = {},
): {
  /** Loaded tensors, keyed by their names in the file. */
  tensors: Record<string, Tensor>;
  /** The file's `__metadata__` string map (empty when absent). */
  metadata: Record<string, string>;
} {
  const { entries, metadata, dataStart } = parseHeader(bytes);
  const arrays = entries.map((e) =>
    decode(e, bytes.subarray(dataStart + e.begin, dataStart + e.end)),
  );
  const tensors: Record<string, Tensor> = {};
  entries.forEach((e, i) => {
    tensors[e.name] = fromTypedArray(arrays[i], e.shape, READ_CODES[e.dtype].dtype, options);
  });
  return { tensors, metadata };
}

/** Turns dotted keys (`l1.weight`) into nested records (`{ l1: { weight } }`). */
export function unflattenDotted<T>(flat: Record<string, T>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flat)) {
    const parts = key.split('.');
    let node = root;
    parts.slice(0, -1).forEach((part) => {
      node[part] ??= {};
      node = node[part] as Record<string, unknown>;
    });
    node[parts.at(-1)!] = value;
  }
  return root;
}
