import { describe, expect, it } from 'vitest';
import { TensorHeap } from '../src/wasm/heap.js';

// The package compiles without the DOM library, which declares WebAssembly.
const { Memory } = (
  globalThis as unknown as {
    WebAssembly: {
      Memory: new (d: { initial: number; maximum: number }) => { buffer: ArrayBuffer };
    };
  }
).WebAssembly;

// A heap of one 64 KiB page holds two float32 blocks of 8192 elements.
function fullHeap(): { heap: TensorHeap; first: Float32Array; second: Float32Array } {
  const heap = new TensorHeap(new Memory({ initial: 1, maximum: 1 }));
  const first = heap.allocate('float32', 8192, true) as Float32Array;
  const second = heap.allocate('float32', 8192, true) as Float32Array;
  return { heap, first, second };
}

describe('TensorHeap', () => {
  it('returns null when full with no free block', () => {
    const { heap, first, second } = fullHeap();
    expect(first.byteOffset).toBe(0);
    expect(second.byteOffset).toBe(32768);
    expect(heap.allocate('float32', 16, true)).toBeNull();
  });

  it('reuses a freed block of the same length', () => {
    const { heap, second } = fullHeap();
    second.fill(3);
    heap.free(second);
    const again = heap.allocate('float32', 8192, true) as Float32Array;
    expect(again.byteOffset).toBe(32768);
    expect(again.every((v) => v === 0)).toBe(true);
  });

  it('lends a block up to twice as long when full', () => {
    const { heap, first } = fullHeap();
    first.fill(5);
    heap.free(first);
    const shorter = heap.allocate('float32', 5000, true) as Float32Array;
    expect(shorter.byteOffset).toBe(0);
    expect(shorter.length).toBe(5000);
    expect(shorter.every((v) => v === 0)).toBe(true);
    expect(heap.freeBytes).toBe(0);
    expect(heap.allocate('float32', 5000, true)).toBeNull();
  });

  it('returns a lent block to its own length', () => {
    const { heap, first } = fullHeap();
    heap.free(first);
    const shorter = heap.allocate('float32', 5000, false) as Float32Array;
    heap.free(shorter);
    expect(heap.freeBytes).toBe(32768);
    const full = heap.allocate('float32', 8192, false) as Float32Array;
    expect(full.byteOffset).toBe(0);
  });

  it('keeps a block over twice the length for longer arrays', () => {
    const { heap, first } = fullHeap();
    heap.free(first);
    expect(heap.allocate('float32', 1000, true)).toBeNull();
    expect(heap.freeBytes).toBe(32768);
  });
});
