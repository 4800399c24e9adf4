import type { GPU, IKernelRunShortcut } from 'gpu.js';

/** One compiled kernel and the number of its output textures that tensors still hold. */
export interface CachedKernel {
  readonly key: string;
  readonly run: IKernelRunShortcut;
  liveOutputs: number;
}

/** Settings shared by every kernel: 1-D float32 output, results kept on the device. */
export interface KernelSettings {
  /** GL modes return textures; webasm and cpu modes return a Float32Array either way. */
  readonly pipeline: boolean;
}

/**
 * Compiled kernels by source and argument sizes, least recently used first, at most
 * `capacity` of them when possible. A kernel is evicted only when no live tensor references one of
 * its output textures: after `destroy()`, gpu.js 2.24.1 can no longer read such a texture back
 * (`toArray` raises), although the texture still works as a kernel input. So the cache grows
 * past `capacity` while every older kernel has live outputs.
 */
export class KernelCache {
  readonly #gpu: GPU;
  readonly #settings: KernelSettings;
  readonly #capacity: number;
  readonly #entries = new Map<string, CachedKernel>();
  compiled = 0;

  constructor(gpu: GPU, settings: KernelSettings, capacity: number) {
    this.#gpu = gpu;
    this.#settings = settings;
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Returns the kernel for `source` with a 1-D output of `outputLength`, compiling it once. */
  get(source: string, outputLength: number, argumentSizes: readonly number[]): CachedKernel {
    const key = `${outputLength}|${argumentSizes.join(',')}|${source}`;
    const hit = this.#entries.get(key);
    if (hit) {
      // Re-inserting moves the entry to the most recently used end of the map's order.
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit;
    }
    // Evicting before the insert keeps the new kernel, which has no outputs yet, in the cache.
    this.#evict(this.#capacity - 1);
    const run = this.#gpu.createKernel(source, {
      output: [outputLength],
      pipeline: this.#settings.pipeline,
      // A cached kernel runs again while earlier results are alive, and with immutable: false
      // gpu.js would draw the next result into the texture it returned last time.
      immutable: true,
      precision: 'single',
      tactic: 'precision',
      optimizeFloatMemory: false,
    });
    const entry: CachedKernel = { key, run, liveOutputs: 0 };
    this.#entries.set(key, entry);
    this.compiled++;
    return entry;
  }

  #evict(target: number): void {
    for (const entry of this.#entries.values()) {
      if (this.#entries.size <= target) return;
      if (entry.liveOutputs > 0) continue;
      this.#entries.delete(entry.key);
      entry.run.destroy();
    }
  }

  /** Destroys every kernel (their output textures become unreadable). */
  clear(): void {
    for (const entry of this.#entries.values()) entry.run.destroy();
    this.#entries.clear();
  }
}
