import type { Backend, DType, TensorInfo } from '@metagrad/core';
import { chunkSize, type GpujsBackend } from '../backend.js';
import { KernelSource } from '../codegen.js';
import { planChunks } from '../layout.js';
import type { Chunk } from '../storage.js';

/**
 * Emits the code of one output element: `body` receives the builder and the element's
 * coordinates and returns the expression (or variable) holding its value.
 */
export type ElementBody = (k: KernelSource, coords: readonly string[]) => string;

/**
 * Runs a kernel that computes each element of an output of `shape` from its coordinates: one
 * kernel call per output chunk, so outputs above one texture's limits are handled.
 */
export function mapKernel(
  backend: Backend,
  op: string,
  shape: readonly number[],
  dtype: DType,
  body: ElementBody,
): TensorInfo {
  const gpujs = backend as GpujsBackend;
  const layout = planChunks(shape, gpujs.maxChunkElements);
  const chunks: Chunk[] = [];
  for (let c = 0; c < layout.chunkCount; c++) {
    const k = new KernelSource(op);
    const coords = k.outputCoords(shape, layout, c);
    const result = body(k, coords);
    chunks.push(gpujs.run(k, result, chunkSize(layout, c)));
  }
  return { dataId: gpujs.adopt(layout, chunks), shape: [...shape], dtype };
}

/** Returns a kernel output that shares the storage of `input` (a copy-free view or cast). */
export function shareStorage(
  input: TensorInfo,
  shape: readonly number[],
  dtype: DType,
): TensorInfo {
  return { dataId: input.dataId, shape: [...shape], dtype };
}

/**
 * Returns the coordinates in an input of `inShape` that an output element at `coords` reads
 * under broadcasting. Axes are aligned from the right, and size-1 input axes read index 0.
 */
export function broadcastCoords(coords: readonly string[], inShape: readonly number[]): string[] {
  const offset = coords.length - inShape.length;
  return inShape.map((d, i) => (d === 1 ? '0' : coords[offset + i]));
}

/** A whole-number literal for generated source; other values must go through `k.scalar`. */
export function literal(value: number): string {
  if (!Number.isInteger(value)) {
    throw new Error(`literal: ${value} is not a whole number; pass it with KernelSource.scalar`);
  }
  return String(value);
}
