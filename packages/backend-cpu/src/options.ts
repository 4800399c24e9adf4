import { GEMM_WASM_BASE64 } from './wasm/gemm_wasm.js';

/** The signature of the `macroKernel` export of gemm.wat (byte offsets and panel counts). */
export type WasmMacroKernel = (
  a: number,
  b: number,
  c: number,
  rowPanels: number,
  colPanels: number,
  kc: number,
  load: number,
) => void;

/** The instantiated WebAssembly GEMM module and the memory it works in. */
export interface WasmGemm {
  memory: { readonly buffer: ArrayBuffer };
  macroKernel: WasmMacroKernel;
}

/**
 * The part of the global `WebAssembly` object used here, typed locally because the package
 * compiles against the ES2022 library, which has no WebAssembly declarations.
 */
interface WebAssemblyApi {
  Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/** Bytes of WebAssembly memory that the packed blocks of gemm.ts need. */
export const WASM_GEMM_BYTES = 52 * 65536;

function instantiate(): WasmGemm | null {
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (!api) return null;
  try {
    const bytes = Uint8Array.from(atob(GEMM_WASM_BASE64), (ch) => ch.charCodeAt(0));
    const memory = new api.Memory({ initial: WASM_GEMM_BYTES / 65536 });
    const instance = new api.Instance(new api.Module(bytes), { env: { memory } });
    return { memory, macroKernel: instance.exports.macroKernel as WasmMacroKernel };
  } catch {
    // An engine without WebAssembly SIMD rejects the module; the JavaScript kernels remain.
    return null;
  }
}

const wasmGemm = instantiate();
let simdEnabled = wasmGemm !== null && readEnvironmentSwitch();

/** METAGRAD_CPU_SIMD=0 in the environment starts the backend on its JavaScript kernels. */
function readEnvironmentSwitch(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env;
  return env?.METAGRAD_CPU_SIMD !== '0';
}

/** Options of the CPU backend's kernels. */
export interface CpuOptions {
  /** Run the matrix products (matmul, conv2d) on WebAssembly SIMD when the engine has it. */
  simd: boolean;
}

/**
 * Sets kernel options of the CPU backend, for all CPU backends in this process. Both kernel
 * paths give bit-identical results; `simd: false` is for comparing them and timing the plain
 * path. Returns the options now in force (`simd` stays false where SIMD is unavailable).
 */
export function setCpuOptions(options: Partial<CpuOptions>): CpuOptions {
  if (options.simd !== undefined) simdEnabled = options.simd && wasmGemm !== null;
  return getCpuOptions();
}

/** Returns the kernel options in force. */
export function getCpuOptions(): CpuOptions {
  return { simd: simdEnabled };
}

/** The WebAssembly GEMM when it is enabled, else null. */
export function activeWasmGemm(): WasmGemm | null {
  return simdEnabled ? wasmGemm : null;
}
