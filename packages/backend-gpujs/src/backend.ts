import type { Backend, DataId, DType, TypedArray } from '@metagrad/core';
import { BackendError } from '@metagrad/core';
import { GPU, type Texture } from 'gpu.js';
import type { KernelSource } from './codegen.js';
import { dataOf } from './codegen.js';
import { KernelCache } from './kernel_cache.js';
import { type ChunkLayout, EXACT_INDEX_LIMIT, planChunks } from './layout.js';
import { type Chunk, GpujsData, isTexture } from './storage.js';

/** The gpu.js modes this backend runs in. */
export type GpujsMode = 'headlessgl' | 'webgl2' | 'webgl' | 'webasm' | 'cpu';

const MODE_OF_KERNEL: Record<string, GpujsMode> = {
  HeadlessGLKernel: 'headlessgl',
  WebGL2Kernel: 'webgl2',
  WebGLKernel: 'webgl',
  WebAssemblyKernel: 'webasm',
  CPUKernel: 'cpu',
};

const GL_MODES: readonly GpujsMode[] = ['headlessgl', 'webgl2', 'webgl'];

/** Options of {@link GpujsBackend} and `registerGpujsBackend`; every field is optional. */
export interface GpujsBackendOptions {
  /**
   * The gpu.js mode. When left out, gpu.js picks the first available of headlessgl, webgl2,
   * webgl and webasm, and `backend.mode` reports which one runs.
   */
  mode?: GpujsMode;
  /** The backend's name in the registry (default 'gpujs'). */
  name?: string;
  /** The maximum number of compiled kernels kept while none of their outputs is alive. */
  kernelCacheSize?: number;
  /**
   * The maximum number of elements in one texture or array (default 2^24, lowered to the
   * square of the maximum texture size where that is smaller). Larger tensors are split into
   * chunks; tests lower it to exercise that path on small shapes.
   */
  maxChunkElements?: number;
}

/** Counters that `memory()` merges into the backend's entry. */
export interface GpujsStats {
  /** Host-to-device transfers, one per chunk written. */
  uploads: number;
  /** Device-to-host transfers, one per chunk read. */
  readbacks: number;
  /** Chunks (textures, or arrays outside GL modes) held by live tensors. */
  textures: number;
  /** GL textures created minus deleted on the context, kernels' own included (GL modes only). */
  glTextures: number;
  /** Kernels compiled since the backend started, recompilations after eviction included. */
  kernelsCompiled: number;
  /** Compiled kernels now held in the kernel cache. */
  kernelCacheSize: number;
}

/** Builds the error raised when a requested gpu.js mode cannot start, with what to do about it. */
function unavailableModeError(mode: GpujsMode, cause: unknown): BackendError {
  let reason = cause instanceof Error ? cause.message : String(cause);
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env;
  if (mode === 'headlessgl' && env && !env.DISPLAY) reason += '; DISPLAY is not set';
  const help =
    mode === 'headlessgl'
      ? 'headlessgl needs the optional `gl` package built from source and an X display: ' +
        'install libxi-dev, run `npm_config_build_from_source=true npm_config_nodedir=/usr ' +
        'pnpm -r rebuild gl` (with `gl` allowed to build), and start Node under `xvfb-run -a`'
      : mode === 'webgl2' || mode === 'webgl'
        ? `${mode} runs only in a browser that grants a ${mode} context`
        : 'see the gpu.js documentation for this mode';
  return new BackendError(
    `registerGpujsBackend: gpu.js mode '${mode}' is not available (${reason}); ${help}. ` +
      "Leave the mode out to run the best available one, or pass mode: 'webasm'",
  );
}

/**
 * Storage on gpu.js: float32 textures in GL modes (kept on the device between kernels and read
 * back only by `read`/`readSync`), Float32Arrays in webasm and cpu modes. float64 is not
 * supported; int32 and bool are stored as float32 values, exact up to 2^24 in magnitude.
 */
export class GpujsBackend implements Backend {
  readonly name: string;
  readonly supportsFloat64 = false;
  /** The mode that really runs, read from the kernel class that gpu.js chose. */
  readonly mode: GpujsMode;
  /** Whether the mode is a GL mode (headlessgl, webgl2, webgl), so storage is textures. */
  readonly isGL: boolean;
  /** The maximum number of elements in one chunk (texture or array) of a tensor. */
  readonly maxChunkElements: number;
  /** The gpu.js instance that compiles and runs this backend's kernels. */
  readonly gpu: GPU;
  readonly #cache: KernelCache;
  #uploads = 0;
  #readbacks = 0;
  #textures = 0;
  #glTextures = 0;
  #contextWatched = false;

  constructor(options: GpujsBackendOptions = {}) {
    this.name = options.name ?? 'gpujs';
    try {
      this.gpu = options.mode ? new GPU({ mode: options.mode }) : new GPU();
    } catch (error) {
      throw unavailableModeError(options.mode ?? 'webasm', error);
    }
    const mode = MODE_OF_KERNEL[this.gpu.Kernel.name];
    if (!mode) {
      throw new BackendError(
        `registerGpujsBackend: gpu.js chose kernel class '${this.gpu.Kernel.name}', which this backend does not support`,
      );
    }
    if (options.mode && mode !== options.mode) {
      throw unavailableModeError(options.mode, `gpu.js runs ${this.gpu.Kernel.name} instead`);
    }
    this.mode = mode;
    this.isGL = GL_MODES.includes(mode);
    const features = (this.gpu.Kernel as unknown as { features?: { maxTextureSize?: number } })
      .features;
    const maxTextureSize = this.isGL
      ? (features?.maxTextureSize ?? 4096)
      : Number.POSITIVE_INFINITY;
    this.maxChunkElements = Math.min(
      options.maxChunkElements ?? EXACT_INDEX_LIMIT,
      EXACT_INDEX_LIMIT,
      maxTextureSize * maxTextureSize,
    );
    this.#cache = new KernelCache(
      this.gpu,
      { pipeline: this.isGL },
      options.kernelCacheSize ?? 256,
    );
  }

  write(values: TypedArray, shape: readonly number[]): DataId {
    const layout = planChunks(shape, this.maxChunkElements);
    const floats = values instanceof Float32Array ? values : Float32Array.from(values);
    const chunks: Chunk[] = [];
    for (let c = 0; c < layout.chunkCount; c++) {
      const start = c * layout.chunkLength;
      const part = floats.subarray(start, Math.min(start + layout.chunkLength, layout.size));
      chunks.push(this.#upload(part));
    }
    return this.adopt(layout, chunks);
  }

  #upload(values: Float32Array): Chunk {
    this.#uploads++;
    if (!this.isGL) return { value: values.slice(), kernel: null };
    const kernel = this.#cache.get('function (a) { return a[this.thread.x]; }', values.length, [
      values.length,
    ]);
    return this.#runCached(kernel, [values]);
  }

  async read(dataId: DataId, dtype: DType): Promise<TypedArray> {
    return this.readSync(dataId, dtype);
  }

  readSync(dataId: DataId, dtype: DType): TypedArray {
    const data = dataOf('read', { dataId, shape: [], dtype });
    const floats = new Float32Array(data.layout.size);
    data.chunks.forEach((chunk, c) => {
      this.#readbacks++;
      const values = isTexture(chunk.value) ? (chunk.value.toArray() as Float32Array) : chunk.value;
      floats.set(values.subarray(0, chunkSize(data.layout, c)), c * data.layout.chunkLength);
    });
    if (dtype === 'float32') return floats;
    if (dtype === 'int32') return Int32Array.from(floats);
    if (dtype === 'bool') return Uint8Array.from(floats, (v) => (v !== 0 ? 1 : 0));
    throw new BackendError(`read: the gpujs backend does not store ${dtype}`);
  }

  disposeData(dataId: DataId): void {
    const data = dataId as GpujsData;
    if (data.disposed) return;
    data.disposed = true;
    for (const chunk of data.chunks) {
      this.#textures--;
      if (chunk.kernel) chunk.kernel.liveOutputs--;
      if (isTexture(chunk.value)) chunk.value.delete();
    }
  }

  stats(): Record<string, number> & GpujsStats {
    return {
      uploads: this.#uploads,
      readbacks: this.#readbacks,
      textures: this.#textures,
      glTextures: this.#glTextures,
      kernelsCompiled: this.#cache.compiled,
      kernelCacheSize: this.#cache.size,
    };
  }

  /** Sets the transfer counters to zero (the start-up self-test calls it). */
  resetTransferCounts(): void {
    this.#uploads = 0;
    this.#readbacks = 0;
  }

  dispose(): void {
    this.#cache.clear();
    void this.gpu.destroy();
  }

  /**
   * Wraps chunks in storage that tensors can hold.
   * @internal The kernels' entry point; its types are not part of the public API.
   */
  adopt(layout: ChunkLayout, chunks: Chunk[]): GpujsData {
    this.#textures += chunks.length;
    return new GpujsData(layout, chunks);
  }

  /**
   * Runs the kernel built in `source` for one output chunk of `length` elements.
   * @internal The kernels' entry point; its types are not part of the public API.
   */
  run(source: KernelSource, result: string, length: number): Chunk {
    const kernel = this.#cache.get(source.source(result), length, source.argumentSizes);
    return this.#runCached(kernel, source.args);
  }

  #runCached(kernel: ReturnType<KernelCache['get']>, args: readonly unknown[]): Chunk {
    this.#watchContext();
    const value = kernel.run(...(args as never[])) as unknown as Texture | Float32Array;
    kernel.liveOutputs++;
    return { value, kernel };
  }

  /** Counts GL texture creation and deletion on the context, once it exists. */
  #watchContext(): void {
    if (this.#contextWatched || !this.isGL) return;
    const context = this.gpu.context as {
      createTexture: () => unknown;
      deleteTexture: (texture: unknown) => void;
    } | null;
    if (!context) return;
    this.#contextWatched = true;
    const create = context.createTexture.bind(context);
    const remove = context.deleteTexture.bind(context);
    context.createTexture = () => {
      this.#glTextures++;
      return create();
    };
    context.deleteTexture = (texture: unknown) => {
      if (texture) this.#glTextures--;
      remove(texture);
    };
  }
}

/** Returns the number of elements in chunk `c` (the last chunk may be shorter). */
export function chunkSize(layout: ChunkLayout, c: number): number {
  return Math.min(layout.chunkLength, layout.size - c * layout.chunkLength);
}
