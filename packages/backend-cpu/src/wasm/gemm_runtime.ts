import { GEMM_WASM_BASE64, GEMM_WASM_BASE64_SHARED } from './gemm_wasm.js';

/**
 * The signature of the `macroKernel` (float64) and `macroKernelF32` exports of gemm.wat: byte
 * offsets of A, B and C, panel counts, depth, and 1 to add to C or 0 to overwrite it.
 */
export type WasmMacroKernel = (
  a: number,
  b: number,
  c: number,
  rowPanels: number,
  colPanels: number,
  kc: number,
  load: number,
) => void;

/**
 * The signature of the `packPanelsF32` export of gemm.wat: byte offsets of the source and the
 * packed panels, the line and depth strides in elements, the lines, the depth, and the panel
 * width (4 or 8).
 */
export type WasmPackPanels = (
  src: number,
  dst: number,
  lineStride: number,
  depthStride: number,
  lines: number,
  depth: number,
  width: number,
) => void;

/**
 * Block sizes of the packed GEMM (gemm.ts): rows of A, depth, and columns of B per block.
 * KC = 256 keeps a 4 x 256 float64 panel of A and of B (8 KiB each) in L1; MC = 128 makes a
 * 256 KiB block of A for a 512 KiB L2; NC = 1024 makes a 2 MiB block of B, shared through L3.
 */
export const GEMM_BLOCKS = { mc: 128, kc: 256, nc: 1024 } as const;

/**
 * Block sizes of the float32 GEMM (gemm_f32.ts). A float32 block of the same bytes holds twice
 * the depth, so KC = 512 keeps the same L1 and L2 footprint per panel as the float64 blocks.
 * The blocks fit in the float64 regions of MEMORY_LAYOUT, which the float32 path reuses.
 */
export const GEMM_BLOCKS_F32 = { mc: 128, kc: 512, nc: 1024 } as const;

const { mc, kc, nc } = GEMM_BLOCKS;

/** Bytes of the staging area: the larger of a float32 block of B and two blocks of A. */
const STAGE_BYTES = Math.max(
  GEMM_BLOCKS_F32.kc * GEMM_BLOCKS_F32.nc * 4,
  2 * GEMM_BLOCKS_F32.mc * GEMM_BLOCKS_F32.kc * 4,
);

/**
 * Byte layout of the WebAssembly memory: packed A (two blocks of MC rows, one per thread),
 * packed B, the C block (2 MC x NC float64), and the staging area. The float32 path copies a
 * block of A or B into the staging area before `packPanelsF32` packs it. Last come 16 int32
 * words that the main thread and the helper thread synchronise on.
 */
export const MEMORY_LAYOUT = {
  a: 0,
  b: 2 * mc * kc * 8,
  c: 2 * mc * kc * 8 + kc * nc * 8,
  stage: 2 * mc * kc * 8 + kc * nc * 8 + 2 * mc * nc * 8,
  control: 2 * mc * kc * 8 + kc * nc * 8 + 2 * mc * nc * 8 + STAGE_BYTES,
} as const;
const PAGES = Math.ceil((MEMORY_LAYOUT.control + 64) / 65536);

// Words of the control block: the job counters, then the kernel to run (one of the KERNEL_
// constants) and its seven arguments, then 1 while the helper sleeps in Atomics.wait. A shared
// job's units (panels) are handed out through NEXT and counted in COMPLETED, both tagged with
// the job (see `claimUnits`).
const JOB = 0;
const DONE = 1;
const READY = 2;
const KERNEL = 3;
const ARGS = 4;
const SLEEPING = 11;
const NEXT = 12;
const COMPLETED = 13;
const KERNEL_F64 = 0;
/** `macroKernelF32` over row panels that both threads claim. */
const KERNEL_F32_SHARED = 1;
/** `packPanelsF32` over panels that both threads claim. */
const KERNEL_PACK_F32_SHARED = 2;

/** Row panels (of 4 rows) of a float32 block that a thread claims at a time. */
const CLAIM_ROW_PANELS = 2;
/** Panels of a block being packed that a thread claims at a time. */
const CLAIM_PACKED_PANELS = 8;

/**
 * How long the main thread waits for the helper before it does the helper's share itself (ms).
 * One call is at most 128 x 1024 x 256 multiply-adds, milliseconds of work, so only a lost
 * worker gets near this.
 */
const HELPER_TIMEOUT_MS = 60_000;

/**
 * The part of the global `WebAssembly` object used here, typed locally because the package
 * compiles against the ES2022 library, which has no WebAssembly declarations.
 */
interface WebAssemblyApi {
  Memory: new (descriptor: {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }) => { readonly buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/** The instantiated GEMM module on the main thread. */
export interface WasmGemm {
  readonly buffer: ArrayBuffer;
  readonly macroKernel: WasmMacroKernel;
  readonly macroKernelF32: WasmMacroKernel;
  readonly packPanelsF32: WasmPackPanels;
  /** The helper thread, once it has started; null where threads are unavailable. */
  helper(): GemmHelper | null;
  /**
   * Set when a helper timed out. A late helper could still write into the memory, so from
   * then on the module is not used again and products run on the JavaScript kernels.
   */
  readonly abandoned: boolean;
  /** Calls run on the helper thread so far (0 before it starts). */
  readonly helperCalls: number;
}

/**
 * A worker thread that runs `macroKernel` on the shared memory. The main thread hands it one
 * call at a time through the control words and blocks in `Atomics.wait` until it is done, so
 * kernels stay synchronous. Each C element is computed by exactly one thread with the same
 * code, so results do not depend on whether the helper ran.
 */
export class GemmHelper {
  readonly #control: Int32Array;
  /** The float64 macro-kernel, to run a lost helper's share here. */
  readonly #fallback: WasmMacroKernel;
  #job = 0;
  failed = false;
  /** Calls run on the helper thread so far. */
  calls = 0;

  constructor(control: Int32Array, fallback: WasmMacroKernel) {
    this.#control = control;
    this.#fallback = fallback;
  }

  get ready(): boolean {
    return !this.failed && Atomics.load(this.#control, READY) === 1;
  }

  /**
   * Wakes a sleeping helper, so that it polls for the jobs that follow: waking it as a product
   * starts hides the wake-up behind the packing.
   */
  wake(): void {
    if (Atomics.load(this.#control, SLEEPING) === 1) Atomics.notify(this.#control, JOB);
  }

  /** Starts the float64 macro-kernel on `args` on the helper thread; `finish` waits for it. */
  start(args: Parameters<WasmMacroKernel>): void {
    this.#begin(KERNEL_F64, args);
  }

  /**
   * Runs `macroKernelF32` on `args` with both threads. The helper starts claiming row panels at
   * once, this thread first runs `overlap` (work that does not touch the block), then claims
   * the panels left, so a helper that is slow to wake costs nothing. Returns false when the
   * helper took panels and did not finish them in time: the block is then unfinished, and the
   * caller must compute it again from its inputs.
   */
  shareRowsF32(
    macroKernelF32: WasmMacroKernel,
    args: Parameters<WasmMacroKernel>,
    overlap: (() => void) | null,
  ): boolean {
    const [a, b, c, rowPanels, colPanels, kc, load] = args;
    const tag = this.#beginShared(KERNEL_F32_SHARED, args);
    overlap?.();
    claimUnits(this.#control, tag, rowPanels, CLAIM_ROW_PANELS, (i, count) =>
      macroKernelF32(a + i * kc * 16, b, c + i * colPanels * 128, count, colPanels, kc, load),
    );
    return this.#awaitUnits(tag, rowPanels);
  }

  /**
   * Packs the panels of a float32 block with both threads, which claim panels as
   * `shareRowsF32` claims row panels. Arguments as `packPanelsF32`'s.
   */
  sharePacking(packPanelsF32: WasmPackPanels, args: Parameters<WasmPackPanels>): void {
    const [src, dst, lineStride, depthStride, lines, depth, width] = args;
    const panels = Math.ceil(lines / width);
    const tag = this.#beginShared(KERNEL_PACK_F32_SHARED, args);
    claimUnits(this.#control, tag, panels, CLAIM_PACKED_PANELS, (i, count) => {
      const first = i * width;
      const from = src + first * lineStride * 4;
      const to = dst + first * depth * 4;
      const lineCount = Math.min(count * width, lines - first);
      packPanelsF32(from, to, lineStride, depthStride, lineCount, depth, width);
    });
    // Packing only copies, so after a lost helper this thread packs the whole block again.
    if (!this.#awaitUnits(tag, panels)) packPanelsF32(...args);
  }

  /** Starts a shared job and returns its tag. */
  #beginShared(kernel: number, args: readonly number[]): number {
    const tag = (this.#job + 1) & TAG_MASK;
    Atomics.store(this.#control, NEXT, tag << 16);
    Atomics.store(this.#control, COMPLETED, tag << 16);
    this.#begin(kernel, args);
    return tag;
  }

  #begin(kernel: number, args: readonly number[]): void {
    this.#control[KERNEL] = kernel;
    for (let i = 0; i < args.length; i++) this.#control[ARGS + i] = args[i];
    this.#job++;
    this.calls++;
    Atomics.store(this.#control, JOB, this.#job);
    // A polling helper reads the new job by itself. The helper sets SLEEPING before it waits and
    // Atomics.wait rechecks JOB, so with this order a job is never missed.
    if (Atomics.load(this.#control, SLEEPING) === 1) Atomics.notify(this.#control, JOB);
  }

  /**
   * Waits until all `units` of the shared job `tag` are done. Returns false, and gives the
   * helper up, when its claimed units are not done in time.
   */
  #awaitUnits(tag: number, units: number): boolean {
    return this.#awaitWord(COMPLETED, (tag << 16) + units);
  }

  /**
   * Waits for the float64 call given to `start`. When the helper does not finish in time, it is
   * given up and its call runs here instead. Should it still finish later, it writes the same
   * values, because the inputs stay in place, and the module is abandoned afterwards. So a lost
   * worker costs time, never a wrong result.
   */
  finish(): void {
    if (this.#awaitWord(DONE, this.#job)) return;
    const args = Array.from(this.#control.subarray(ARGS, ARGS + 7));
    this.#fallback(...(args as Parameters<WasmMacroKernel>));
  }

  /**
   * Waits until control word `word` equals `target`: polls for SPIN_MS, because waking from
   * Atomics.wait takes tens of microseconds on a virtual machine, then sleeps. Returns false,
   * and gives the helper up, after HELPER_TIMEOUT_MS.
   */
  #awaitWord(word: number, target: number): boolean {
    const spinUntil = performance.now() + SPIN_MS;
    while (Atomics.load(this.#control, word) !== target && performance.now() < spinUntil) {}
    const deadline = Date.now() + HELPER_TIMEOUT_MS;
    for (;;) {
      const value = Atomics.load(this.#control, word);
      if (value === target) return true;
      const left = deadline - Date.now();
      if (left <= 0) break;
      Atomics.wait(this.#control, word, value, left);
    }
    this.failed = true;
    return false;
  }
}

/** The bits of a job number that tag the NEXT and COMPLETED words (above 16 bits of count). */
const TAG_MASK = 0x7fff;

/**
 * Claims `step` units at a time of the shared job `tag` and runs `run(first, count)` on them,
 * until none are left or another job has started. NEXT contains (tag << 16) + the next unit, so a
 * helper that wakes late cannot claim units of a later job; COMPLETED counts the units done the
 * same way. Each unit runs once, on one thread, with the same code, so the result does not
 * depend on which thread took it.
 */
function claimUnits(
  control: Int32Array,
  tag: number,
  units: number,
  step: number,
  run: (first: number, count: number) => void,
): void {
  for (;;) {
    const next = Atomics.load(control, NEXT);
    const first = next & 0xffff;
    if (next >>> 16 !== tag || first >= units) return;
    if (Atomics.compareExchange(control, NEXT, next, next + step) !== next) continue;
    const count = Math.min(step, units - first);
    run(first, count);
    Atomics.add(control, COMPLETED, count);
    Atomics.notify(control, COMPLETED);
  }
}

/**
 * How long the main thread polls for the helper's share before it sleeps in Atomics.wait (ms).
 * Waking a sleeping thread took tens of microseconds per call on a 2-core virtual machine.
 */
const SPIN_MS = 0.2;

/**
 * How long the helper polls for its next call before it sleeps (ms). The calls of one
 * convolution come between im2col loops and packing on the main thread, so a shorter poll let
 * the helper fall asleep between them. Conv2d of [25,64,14,14] with 64 3x3 filters, forward and
 * both gradients, took 37.5 ms with 0.2 ms of polling and 23 ms with 1 to 3 ms (2-core AMD EPYC).
 * NOTE: the helper keeps the second core busy for this long after each product.
 */
const HELPER_POLL_MS = 2;

// The helper's program, run with `eval`. It polls for the next call for HELPER_POLL_MS, then blocks
// in Atomics.wait; the worker is unref'd, so it never keeps the process alive.
const HELPER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control } = workerData;
const { exports } = new WebAssembly.Instance(module, { env: { memory } });
const words = new Int32Array(memory.buffer, control, 16);
// claimUnits of gemm_runtime.ts, on this thread.
function claimUnits(tag, units, step, run) {
  for (;;) {
    const next = Atomics.load(words, ${NEXT});
    const first = next & 0xffff;
    if (next >>> 16 !== tag || first >= units) return;
    if (Atomics.compareExchange(words, ${NEXT}, next, next + step) !== next) continue;
    const count = Math.min(step, units - first);
    run(first, count);
    Atomics.add(words, ${COMPLETED}, count);
    Atomics.notify(words, ${COMPLETED});
  }
}
const kernels = [];
kernels[${KERNEL_F64}] = (tag, a, b, c, rowPanels, colPanels, kc, load) =>
  exports.macroKernel(a, b, c, rowPanels, colPanels, kc, load);
kernels[${KERNEL_F32_SHARED}] = (tag, a, b, c, rowPanels, colPanels, kc, load) =>
  claimUnits(tag, rowPanels, ${CLAIM_ROW_PANELS}, (i, count) =>
    exports.macroKernelF32(a + i * kc * 16, b, c + i * colPanels * 128, count, colPanels, kc, load));
kernels[${KERNEL_PACK_F32_SHARED}] = (tag, src, dst, lineStride, depthStride, lines, depth, width) =>
  claimUnits(tag, Math.ceil(lines / width), ${CLAIM_PACKED_PANELS}, (i, count) =>
    exports.packPanelsF32(src + i * width * lineStride * 4, dst + i * width * depth * 4,
      lineStride, depthStride, Math.min(count * width, lines - i * width), depth, width));
Atomics.store(words, ${READY}, 1);
let seen = 0;
for (;;) {
  const spinUntil = performance.now() + ${HELPER_POLL_MS};
  while (Atomics.load(words, ${JOB}) === seen && performance.now() < spinUntil) {}
  if (Atomics.load(words, ${JOB}) === seen) {
    Atomics.store(words, ${SLEEPING}, 1);
    Atomics.wait(words, ${JOB}, seen);
    Atomics.store(words, ${SLEEPING}, 0);
    // Woken by a job or by wake(): poll again before running anything.
    continue;
  }
  seen = Atomics.load(words, ${JOB});
  kernels[words[${KERNEL}]](seen & ${TAG_MASK}, words[${ARGS}], words[${ARGS + 1}], words[${ARGS + 2}],
    words[${ARGS + 3}], words[${ARGS + 4}], words[${ARGS + 5}], words[${ARGS + 6}]);
  Atomics.store(words, ${DONE}, seen);
  Atomics.notify(words, ${DONE});
}
`;

interface WorkerThreadsModule {
  Worker: new (
    source: string,
    options: { eval: boolean; workerData: unknown },
  ) => { unref(): void; on(event: 'error', listener: () => void): void };
}

/** node:worker_threads where the runtime provides it (Node), else null (browsers). */
function workerThreads(): WorkerThreadsModule | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return (proc?.getBuiltinModule?.('node:worker_threads') as WorkerThreadsModule) ?? null;
}

function decode(base64: string): Uint8Array {
  return Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
}

/**
 * Compiles gemm.wat's module: the shared-memory variant where shared memory and worker threads
 * exist (the helper starts in the background and is used once ready), else the plain one.
 * Returns null where WebAssembly or its SIMD instructions are missing.
 */
export function instantiateWasmGemm(): WasmGemm | null {
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (!api) return null;
  const threads = workerThreads();
  if (threads && typeof SharedArrayBuffer !== 'undefined') {
    try {
      return instantiateShared(api, threads);
    } catch {
      // Fall through to the single-threaded module.
    }
  }
  try {
    const memory = new api.Memory({ initial: PAGES, maximum: PAGES });
    const instance = new api.Instance(new api.Module(decode(GEMM_WASM_BASE64)), {
      env: { memory },
    });
    return {
      buffer: memory.buffer,
      macroKernel: instance.exports.macroKernel as WasmMacroKernel,
      macroKernelF32: instance.exports.macroKernelF32 as WasmMacroKernel,
      packPanelsF32: instance.exports.packPanelsF32 as WasmPackPanels,
      helper: () => null,
      abandoned: false,
      helperCalls: 0,
    };
  } catch {
    // An engine without WebAssembly SIMD rejects the module; the JavaScript kernels remain.
    return null;
  }
}

function instantiateShared(api: WebAssemblyApi, threads: WorkerThreadsModule): WasmGemm {
  const memory = new api.Memory({ initial: PAGES, maximum: PAGES, shared: true });
  const module = new api.Module(decode(GEMM_WASM_BASE64_SHARED));
  const instance = new api.Instance(module, { env: { memory } });
  const macroKernel = instance.exports.macroKernel as WasmMacroKernel;
  const macroKernelF32 = instance.exports.macroKernelF32 as WasmMacroKernel;
  const control = new Int32Array(memory.buffer, MEMORY_LAYOUT.control, 16);
  let helper: GemmHelper | null = null;
  let started = false;
  return {
    buffer: memory.buffer,
    macroKernel,
    macroKernelF32,
    packPanelsF32: instance.exports.packPanelsF32 as WasmPackPanels,
    get abandoned() {
      return helper?.failed ?? false;
    },
    get helperCalls() {
      return helper?.calls ?? 0;
    },
    helper: () => {
      // The worker starts on first request, so a process that never multiplies large
      // matrices never starts a thread.
      if (!started) {
        started = true;
        try {
          const worker = new threads.Worker(HELPER_SOURCE, {
            eval: true,
            workerData: { module, memory, control: MEMORY_LAYOUT.control },
          });
          worker.unref();
          worker.on('error', () => {
            if (helper) helper.failed = true;
          });
          helper = new GemmHelper(control, macroKernel);
        } catch {
          helper = null;
        }
      }
      return helper?.ready ? helper : null;
    },
  };
}
