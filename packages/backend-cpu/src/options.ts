import { InvalidArgumentError } from '@metagrad/core';
import { tensorHeap } from './pool.js';
import { instantiateWasmElementwise, type WasmElementwise } from './wasm/elementwise_runtime.js';
import { instantiateWasmGemm, type WasmGemm } from './wasm/gemm_runtime.js';

const wasmGemm = instantiateWasmGemm();
const wasmElementwise = instantiateWasmElementwise(tensorHeap);
let simdEnabled = wasmGemm !== null && readEnvironment('METAGRAD_CPU_SIMD') !== '0';
let threadCount =
  parseThreads(readEnvironment('METAGRAD_CPU_THREADS'), 'METAGRAD_CPU_THREADS') ?? 2;

/**
 * Reads a variable of the process environment, where there is one. METAGRAD_CPU_SIMD=0 starts
 * the backend on its JavaScript kernels, and METAGRAD_CPU_THREADS=1 keeps products on one thread.
 */
function readEnvironment(name: string): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env;
  return env?.[name];
}

function parseThreads(value: string | undefined, source: string): number | undefined {
  if (value === undefined) return undefined;
  const threads = Number(value);
  if (threads !== 1 && threads !== 2) {
    throw new InvalidArgumentError(`${source} must be 1 or 2, got '${value}'`);
  }
  return threads;
}

/** Options of the CPU backend's kernels. */
export interface CpuOptions {
  /**
   * Run the matrix products (matmul, conv2d) and the element-wise arithmetic on WebAssembly SIMD
   * when the engine has it.
   */
  simd: boolean;
  /**
   * Threads for large matrix products on the SIMD path: 1, or 2 to add one worker thread
   * (Node only) that takes half of the rows. The default is 2, for a two-core machine.
   */
  threads: number;
}

/**
 * Sets kernel options of the CPU backend, for all CPU backends in this process. Both kernel
 * paths give bit-identical results; `simd: false` is for comparing them and timing the plain
 * path. Returns the options now in force (`simd` stays false where SIMD is unavailable).
 */
export function setCpuOptions(options: Partial<CpuOptions>): CpuOptions {
  if (options.threads !== undefined) {
    threadCount = parseThreads(String(options.threads), 'setCpuOptions: threads') ?? threadCount;
  }
  if (options.simd !== undefined) simdEnabled = options.simd && wasmGemm !== null;
  return getCpuOptions();
}

/** Returns the kernel options in force. */
export function getCpuOptions(): CpuOptions {
  return { simd: simdEnabled && !wasmGemm?.abandoned, threads: threadCount };
}

/** Returns the WebAssembly GEMM when it is enabled, else null. */
export function activeWasmGemm(): WasmGemm | null {
  return simdEnabled && wasmGemm !== null && !wasmGemm.abandoned ? wasmGemm : null;
}

/** Returns the element-wise SIMD loops when SIMD is enabled and they compiled, else null. */
export function activeWasmElementwise(): WasmElementwise | null {
  return simdEnabled ? wasmElementwise : null;
}

/** Whether large products may use the helper thread. */
export function threadsEnabled(): boolean {
  return threadCount > 1;
}

/** Counters of the kernels: `gemmHelperCalls` is the number of blocks run on the helper thread. */
export function cpuKernelStats(): Record<string, number> {
  return { gemmHelperCalls: wasmGemm?.helperCalls ?? 0 };
}
