import type { DType, TypedArray } from '@metagrad/core';

/**
 * Bytes of WebAssembly memory reserved for tensor storage. A WebAssembly memory cannot grow
 * without detaching every view of it, so its size is fixed when it is created. Node on Linux
 * commits pages only when they are first written, so the reservation costs address space.
 */
export const HEAP_BYTES = 512 * 1024 * 1024;
/** Blocks start at multiples of 16 bytes, the width of a SIMD vector. */
const ALIGN = 16;

/** The part of the global `WebAssembly` object used here (the package has no DOM typings). */
interface WebAssemblyMemoryApi {
  Memory: new (descriptor: {
    initial: number;
    maximum: number;
  }) => { readonly buffer: ArrayBuffer };
}

/**
 * Storage for kernel outputs inside one WebAssembly memory, so that the element-wise kernels of
 * elementwise.wat can read and write tensors in place. Freed blocks are kept by byte length and
 * reused for outputs of the same length, which is the pattern of a training loop.
 */
export class TensorHeap {
  /** The WebAssembly memory object, for instantiating modules on it. */
  readonly memory: object;
  readonly buffer: ArrayBuffer;
  #top = 0;
  readonly #free = new Map<number, number[]>();
  /** Offsets of blocks handed out for a shorter array, with the block's length in bytes. */
  readonly #larger = new Map<number, number>();
  #freeBytes = 0;

  constructor(memory: { readonly buffer: ArrayBuffer }) {
    this.memory = memory;
    this.buffer = memory.buffer;
  }

  /**
   * Returns a typed array of `size` elements inside the heap, zero-filled when `zeroed`, or null
   * when the heap has no free block of that length and no room left, so that the caller
   * allocates on the JavaScript heap instead.
   */
  allocate(dtype: DType, size: number, zeroed: boolean): TypedArray | null {
    const bytes = byteLength(dtype, size);
    if (bytes === 0) return null;
    const reused = this.#free.get(bytes)?.pop();
    if (reused !== undefined) {
      this.#freeBytes -= bytes;
      const values = view(this.buffer, dtype, reused, size);
      if (zeroed) values.fill(0);
      return values;
    }
    const size16 = Math.ceil(bytes / ALIGN) * ALIGN;
    if (this.#top + size16 > this.buffer.byteLength) {
      // NOTE: blocks are never merged or split. A run whose tensor sizes keep changing can fill
      // the heap with free blocks of other sizes. A block of up to twice the length then serves
      // the request, and past that the outputs move to the JavaScript heap.
      const block = this.#takeLarger(bytes);
      if (block === null) return null;
      const values = view(this.buffer, dtype, block, size);
      if (zeroed) values.fill(0);
      return values;
    }
    const offset = this.#top;
    this.#top += size16;
    // Memory past the top has never been written, so it is still zero.
    return view(this.buffer, dtype, offset, size);
  }

  /** Returns whether `values` lies inside this heap. */
  owns(values: TypedArray): boolean {
    return values.buffer === this.buffer;
  }

  /**
   * Takes the shortest free block of more than `bytes` and at most twice as many, and records
   * its length so that `free` returns it to its own list. Returns its offset, or null.
   */
  #takeLarger(bytes: number): number | null {
    let best = 0;
    for (const [length, offsets] of this.#free) {
      if (
        offsets.length > 0 &&
        length > bytes &&
        length <= 2 * bytes &&
        (best === 0 || length < best)
      ) {
        best = length;
      }
    }
    if (best === 0) return null;
    const offset = this.#free.get(best)!.pop()!;
    this.#freeBytes -= best;
    this.#larger.set(offset, best);
    return offset;
  }

  /** Takes back the block of an array that `allocate` returned. */
  free(values: TypedArray): void {
    const larger = this.#larger.get(values.byteOffset);
    if (larger !== undefined) this.#larger.delete(values.byteOffset);
    const bytes = larger ?? values.byteLength;
    let list = this.#free.get(bytes);
    if (!list) {
      list = [];
      this.#free.set(bytes, list);
    }
    list.push(values.byteOffset);
    this.#freeBytes += bytes;
  }

  /** Bytes of freed blocks waiting for reuse. */
  get freeBytes(): number {
    return this.#freeBytes;
  }

  /** Bytes handed out so far, freed blocks included. */
  get usedBytes(): number {
    return this.#top;
  }
}

function byteLength(dtype: DType, size: number): number {
  if (dtype === 'float64') return size * 8;
  if (dtype === 'bool') return size;
  return size * 4;
}

function view(buffer: ArrayBuffer, dtype: DType, offset: number, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer, offset, size);
    case 'float64':
      return new Float64Array(buffer, offset, size);
    case 'int32':
      return new Int32Array(buffer, offset, size);
    default:
      return new Uint8Array(buffer, offset, size);
  }
}

/**
 * Creates the tensor heap. Returns null where WebAssembly is missing or the engine cannot
 * reserve the memory (a 32-bit browser, for example), so tensors live in ordinary arrays.
 */
export function createTensorHeap(): TensorHeap | null {
  const api = (globalThis as { WebAssembly?: WebAssemblyMemoryApi }).WebAssembly;
  if (!api) return null;
  const pages = HEAP_BYTES / 65536;
  try {
    return new TensorHeap(new api.Memory({ initial: pages, maximum: pages }));
  } catch {
    return null;
  }
}
