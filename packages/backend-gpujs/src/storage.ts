import type { Texture } from 'gpu.js';
import type { CachedKernel } from './kernel_cache.js';
import type { ChunkLayout } from './layout.js';

/**
 * One piece of a tensor's storage: a float32 texture in GL modes, a Float32Array in webasm
 * and cpu modes. `kernel` is the cached kernel that produced the texture, kept in the cache
 * until the texture is freed.
 */
export interface Chunk {
  readonly value: Texture | Float32Array;
  readonly kernel: CachedKernel | null;
}

/**
 * The storage of one gpujs tensor, shared by its views. Every dtype is stored as float32
 * values: int32 and bool values are exact up to 2^24 in magnitude.
 */
export class GpujsData {
  readonly layout: ChunkLayout;
  readonly chunks: readonly Chunk[];
  disposed = false;

  constructor(layout: ChunkLayout, chunks: readonly Chunk[]) {
    this.layout = layout;
    this.chunks = chunks;
  }
}

export function isTexture(value: Texture | Float32Array): value is Texture {
  return !(value instanceof Float32Array);
}
