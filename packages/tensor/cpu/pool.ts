// Reuse of CPU buffers: a training step allocates the same sizes every
// time, so released arrays wait here, zeroed on reuse, instead of going
// back to the allocator (which kept the process's memory growing: glibc
// serves freed mid-size blocks from its arenas and fragments them).
// float32 arrays come from the WebAssembly kernels' heap (wasm_memory.ts)
// where it runs, so that the kernels read them in place; the rest, and
// everything where it does not run, are ordinary typed arrays kept here.

import { allocLargeArray, type DType, type TypedArray } from "../dtype.ts";
import { heapArray, releaseDataArray, releaseHeapArray } from "./wasm_memory.ts";

const MAX_POOLED_BYTES = 256 * 1024 * 1024;
/**
 * Larger arrays go back to the allocator (float64 ones, or float32 ones where the
 * kernels' heap is missing or full): one such array pooled holds tens of megabytes.
 * Uploads of datasets never come here (acquireOwn).
 */
const MAX_POOLED_ARRAY_BYTES = 16 * 1024 * 1024;
/** Arrays over this size are kept two to a size (enough for a loop over equal chunks). */
const LARGE_ARRAY_BYTES = 4 * 1024 * 1024;
const MAX_PER_SIZE = 64;
const MIN_POOLED_LENGTH = 64;

const free = new Map<string, TypedArray[]>();
let pooledBytes = 0;

const key = (dtype: DType, n: number) => `${dtype}:${n}`;

/**
 * An array of `n` elements, reused when one is free.
 *
 * @param zeroed Zero-fill a reused array (default). Kernels that write every
 *   element pass false and skip a pass over memory.
 */
export function acquire(dtype: DType, n: number, zeroed = true): TypedArray {
  // float32 arrays live in the WebAssembly kernels' memory where it can hold them
  if (dtype === "float32") {
    const h = heapArray(n, zeroed);
    if (h) return h;
  }
  if (n >= MIN_POOLED_LENGTH) {
    const list = free.get(key(dtype, n));
    const a = list?.pop();
    if (a) {
      pooledBytes -= a.byteLength;
      if (zeroed) a.fill(0);
      return a;
    }
  }
  return dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
}

/** Arrays from {@link acquireOwn}: freed on release, never pooled. */
const own = new WeakSet<TypedArray>();

/**
 * An array outside the kernels' heap, the pool and the C allocator's heap
 * (see allocLargeArray), whose memory {@link release} gives back at once:
 * for data uploaded once and disposed once (a dataset), which would
 * otherwise sit in the pool, or wait for the garbage collector, while the
 * program goes on to other work.
 */
export function acquireOwn(dtype: DType, n: number): TypedArray {
  const a = allocLargeArray(dtype, n);
  own.add(a);
  return a;
}

/** Give an array back for reuse (its contents are discarded). */
export function release(a: TypedArray): void {
  if (releaseHeapArray(a)) return;
  // a dataset's own memory: its pages go back to the system now, never pooled
  if (releaseDataArray(a)) return;
  if (own.delete(a)) {
    // detaching drops the only reference to the memory: it is freed now
    (a.buffer as ArrayBuffer).transfer(0);
    return;
  }
  if (a.length < MIN_POOLED_LENGTH || a.byteOffset !== 0 || a.byteLength !== a.buffer.byteLength) {
    return;
  }
  if (pooledBytes + a.byteLength > MAX_POOLED_BYTES || a.byteLength > MAX_POOLED_ARRAY_BYTES) {
    return;
  }
  const k = key(a instanceof Float64Array ? "float64" : "float32", a.length);
  let list = free.get(k);
  if (!list) free.set(k, list = []);
  if (list.length >= (a.byteLength > LARGE_ARRAY_BYTES ? 2 : MAX_PER_SIZE)) return;
  list.push(a);
  pooledBytes += a.byteLength;
}

/** Bytes held for reuse. */
export function pooledByteCount(): number {
  return pooledBytes;
}
