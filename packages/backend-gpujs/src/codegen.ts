import type { TensorInfo } from '@metagrad/core';
import { BackendError, formatShape } from '@metagrad/core';
import type { Texture } from 'gpu.js';
import { type Addressing, addressingFor, type ChunkLayout } from './layout.js';
import { GpujsData } from './storage.js';

/** A value passed to a gpu.js kernel: an input chunk or a scalar uniform. */
export type KernelArgument = Texture | Float32Array | number;

/** An input tensor registered with a kernel: its parameter names (one per chunk) and addressing. */
export interface InputHandle {
  readonly shape: readonly number[];
  readonly params: readonly string[];
  readonly addressing: Addressing;
}

/** Returns the storage behind a kernel input, rejecting freed storage. */
export function dataOf(op: string, info: TensorInfo): GpujsData {
  const data = info.dataId;
  if (!(data instanceof GpujsData)) {
    throw new BackendError(
      `${op}: the input of shape ${formatShape(info.shape)} is not gpujs storage`,
    );
  }
  if (data.disposed) {
    throw new BackendError(
      `${op}: the input of shape ${formatShape(info.shape)} was freed; its tensor was disposed`,
    );
  }
  return data;
}

/**
 * Builds the JavaScript source of one gpu.js kernel with a 1-D output. Kernels compute every
 * output element from its coordinates, with shapes and strides written into the source as
 * integer literals, so one source is compiled per shape signature. All index arithmetic stays
 * in whole numbers below 2^24 and every division is corrected to an exact quotient, because
 * shaders compute indices in float32.
 */
export class KernelSource {
  readonly op: string;
  readonly #lines: string[] = [];
  readonly #params: string[] = [];
  readonly #args: KernelArgument[] = [];
  readonly #argumentSizes: number[] = [];
  readonly #inputs = new Map<TensorInfo, InputHandle>();
  #nextName = 0;

  constructor(op: string) {
    this.op = op;
  }

  get args(): readonly KernelArgument[] {
    return this.#args;
  }

  get argumentSizes(): readonly number[] {
    return this.#argumentSizes;
  }

  /** Declares a mutable variable initialised to `expr` and returns its name. */
  variable(expr: string | number): string {
    const name = `v${this.#nextName++}`;
    this.#lines.push(`let ${name} = ${expr};`);
    return name;
  }

  line(code: string): void {
    this.#lines.push(code);
  }

  /** Emits `for (i = 0; i < count; i++) { body(i) }` with `count` as a literal. */
  loop(count: number, body: (index: string) => void): void {
    const index = `i${this.#nextName++}`;
    this.#lines.push(`for (let ${index} = 0; ${index} < ${count}; ${index}++) {`);
    body(index);
    this.#lines.push('}');
  }

  /** Emits `if (condition) { then() } else { otherwise() }`. */
  branch(condition: string, then: () => void, otherwise?: () => void): void {
    this.#lines.push(`if (${condition}) {`);
    then();
    if (otherwise) {
      this.#lines.push('} else {');
      otherwise();
    }
    this.#lines.push('}');
  }

  /**
   * Adds a float argument (a uniform in GL modes) and returns its name. Fill values go through
   * it so that one kernel serves every value, and NaN and infinities must, because gpu.js
   * accepts only finite numeric literals.
   */
  scalar(value: number): string {
    const name = `s${this.#params.length}`;
    this.#params.push(name);
    this.#args.push(value);
    this.#argumentSizes.push(1);
    return name;
  }

  /** Registers an input tensor (each chunk becomes one kernel parameter). */
  input(info: TensorInfo): InputHandle {
    const known = this.#inputs.get(info);
    if (known) return known;
    const data = dataOf(this.op, info);
    const params: string[] = [];
    for (const chunk of data.chunks) {
      const name = `x${this.#params.length}`;
      this.#params.push(name);
      this.#args.push(chunk.value);
      this.#argumentSizes.push(data.layout.chunkLength);
      params.push(name);
    }
    const handle = {
      shape: info.shape,
      params,
      addressing: addressingFor(this.op, info.shape, data.layout),
    };
    this.#inputs.set(info, handle);
    return handle;
  }

  /**
   * Emits an exact `[floor(value / divisor), value mod divisor]` for a whole, non-negative
   * `value` below 2^24. The float quotient can round up across a whole number, so the
   * remainder is checked and the quotient moved by one when it did.
   */
  divmod(value: string, divisor: number): [string, string] {
    if (divisor === 1) return [value, '0'];
    const q = this.variable(`Math.floor(${value} / ${divisor})`);
    const r = this.variable(`${value} - ${q} * ${divisor}`);
    this.line(`if (${r} < 0) { ${q} = ${q} - 1; ${r} = ${r} + ${divisor}; }`);
    this.line(`if (${r} >= ${divisor}) { ${q} = ${q} + 1; ${r} = ${r} - ${divisor}; }`);
    return [q, r];
  }

  /** Splits a flat row-major index over `shape` into one coordinate per axis. */
  unflatten(index: string, shape: readonly number[]): string[] {
    const coords = new Array<string>(shape.length);
    let rest = index;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (d === 0) coords[d] = rest;
      else if (shape[d] === 1) coords[d] = '0';
      else [rest, coords[d]] = this.divmod(rest, shape[d]);
    }
    return coords;
  }

  /** Emits the coordinates of the element that this thread computes in output chunk `chunk`. */
  outputCoords(shape: readonly number[], layout: ChunkLayout, chunk: number): string[] {
    if (layout.chunkCount <= 1) return this.unflatten('this.thread.x', shape);
    const { axis, rowLength, rowsPerChunk } = addressingFor(this.op, shape, layout);
    const [row, within] = this.divmod('this.thread.x', rowLength);
    const prefix = chunk === 0 ? row : this.variable(`${row} + ${chunk * rowsPerChunk}`);
    const head = this.unflatten(prefix, shape.slice(0, axis + 1));
    const tail = this.unflatten(within, [rowLength, ...shape.slice(axis + 1)]).slice(1);
    return [...head, ...tail];
  }

  /** Emits a read of `input` at `coords` (one expression per axis) and returns a variable. */
  read(input: InputHandle, coords: readonly string[]): string {
    const { addressing, params, shape } = input;
    if (params.length === 1 || addressing.axis < 0) {
      return this.variable(`${params[0]}[${linear(coords, addressing.strides, shape)}]`);
    }
    const axis = addressing.axis;
    const prefix = this.variable(
      linear(coords.slice(0, axis + 1), addressing.prefixStrides, shape.slice(0, axis + 1)),
    );
    const [chunk, row] = this.divmod(prefix, addressing.rowsPerChunk);
    const within = linear(
      coords.slice(axis + 1),
      addressing.strides.slice(axis + 1),
      shape.slice(axis + 1),
    );
    const local = this.variable(`${row} * ${addressing.rowLength} + ${within}`);
    const value = this.variable(0);
    // An if-else chain over the chunks; the last one takes every remaining chunk number.
    params.forEach((param, c) => {
      if (c === 0) this.line(`if (${chunk} < 0.5) { ${value} = ${param}[${local}];`);
      else if (c < params.length - 1) {
        this.line(`} else if (${chunk} < ${c + 0.5}) { ${value} = ${param}[${local}];`);
      } else this.line(`} else { ${value} = ${param}[${local}];`);
    });
    this.line('}');
    return value;
  }

  /** Returns the complete kernel function, which returns `result`. */
  source(result: string): string {
    return `function (${this.#params.join(', ')}) {\n${this.#lines.join('\n')}\nreturn ${result};\n}`;
  }
}

/** `sum(coords[d] * strides[d])`, leaving out size-1 axes (whose coordinate is always 0). */
function linear(
  coords: readonly string[],
  strides: readonly number[],
  shape: readonly number[],
): string {
  const terms: string[] = [];
  coords.forEach((c, d) => {
    if (shape[d] === 1) return;
    const factor = /^[\w.]+$/.test(c) ? c : `(${c})`;
    terms.push(strides[d] === 1 ? factor : `${factor} * ${strides[d]}`);
  });
  return terms.length === 0 ? '0' : terms.join(' + ');
}
