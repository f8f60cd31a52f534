// The WebAssembly kernels' memory, and a heap in it for the CPU backend's
// float32 arrays. A tensor that lives in this memory is read by the kernels
// where it lies: no copy in before a matrix product, and (for whole-tile
// results) none out after it. Products of the small matrices of training
// spend as much time moving operands as multiplying them.
//
// The heap hands out blocks in size classes (four per power of two, so at
// most a quarter is wasted) and keeps freed blocks for reuse: a training
// step asks for the same sizes every time. WebAssembly memory never shrinks,
// so the heap's size is the high-water mark of what was live at once.

import { DATA_COPY_WASM_BASE64, KERNELS_WASM_BASE64 } from "./wasm/kernels_wasm.ts";
import { CTRL, type GemmKernel, RESERVED_BYTES } from "./wasm/protocol.ts";
import { canGivePagesBack, givePagesBack } from "./pages.ts";

const PAGE = 65536;
/** Memory's upper bound, in pages (2 GiB, the most a 32-bit memory addresses safely). */
const MAX_PAGES = 32768;
/**
 * Arrays shorter than this stay ordinary typed arrays. Longer ones, down to
 * a bias or a column of row maxima, live in the heap, where the kernels can
 * take them as operands.
 */
export const HEAP_MIN_LENGTH = 16;
/** Blocks start on cache lines. */
const ALIGN = 64;

/**
 * A kernel over channels [c0, c1) of `[n, c, inner]` floats: the arrays'
 * addresses `A`, then the geometry and range, then an output's or the
 * constants' address (batch norm's passes; row sums as one sample of `c` rows).
 */
type ChannelRange<A extends number[]> = (
  ...args: [...arrays: A, n: number, c: number, inner: number, c0: number, c1: number, last: number]
) => void;

/** The kernel module's exports (byte addresses, element counts). */
export interface KernelExports extends GemmKernel {
  pack_at(src: number, m: number, k: number, dst: number): void;
  pack_bt(src: number, k: number, n: number, dst: number): void;
  pack_bn(src: number, k: number, n: number, dst: number): void;
  relu(x: number, out: number, n: number): void;
  relu_grad(g: number, y: number, out: number, n: number): void;
  add(a: number, b: number, out: number, n: number): void;
  sub(a: number, b: number, out: number, n: number): void;
  mul(a: number, b: number, out: number, n: number): void;
  div(a: number, b: number, out: number, n: number): void;
  sigmoid_grad(g: number, y: number, out: number, n: number): void;
  shift_rows(x: number, out: number, rows: number, n: number): void;
  normalize_rows(x: number, rows: number, n: number): void;
  max_rows(x: number, out: number, rows: number, n: number, index: number): void;
  add_rows(a: number, b: number, out: number, rows: number, n: number): void;
  sub_rows(a: number, b: number, out: number, rows: number, n: number): void;
  mul_rows(a: number, b: number, out: number, rows: number, n: number): void;
  div_rows(a: number, b: number, out: number, rows: number, n: number): void;
  add_cols(a: number, b: number, out: number, rows: number, n: number): void;
  sub_cols(a: number, b: number, out: number, rows: number, n: number): void;
  mul_cols(a: number, b: number, out: number, rows: number, n: number): void;
  div_cols(a: number, b: number, out: number, rows: number, n: number): void;
  axpy(a: number, b: number, alpha: number, out: number, n: number): void;
  momentum(p: number, g: number, m: number, mu: number, step: number, n: number): void;
  adam(
    p: number,
    g: number,
    m: number,
    v: number,
    b1: number,
    b2: number,
    vScale: number,
    eps: number,
    a1: number,
    a2: number,
    step: number,
    n: number,
  ): void;
  dropout_mask(
    out: number,
    start: number,
    n: number,
    seed: number,
    threshold: number,
    keep: number,
  ): void;
  exp(x: number, out: number, n: number): void;
  sigmoid(x: number, out: number, n: number): void;
  bn_stats: ChannelRange<[x: number]>;
  sum_rows: ChannelRange<[x: number]>;
  bn_grad_sums: ChannelRange<[g: number, x: number, mean: number, invstd: number]>;
  bn_apply_channels: ChannelRange<[x: number, y: number]>;
  bn_grad_channels: ChannelRange<[g: number, x: number, dx: number]>;
  max_pool_scatter(
    g: number,
    arg: number,
    dx: number,
    planes: number,
    size: number,
    per: number,
  ): void;
  sum_cols(x: number, out: number, acc: number, n: number, inner: number): void;
  copy_runs(
    src: number,
    stride: number,
    dst: number,
    bytes: number,
    count: number,
    blocks: number,
    blockStride: number,
  ): void;
  unfold_rows(...geometryThenPad: number[]): void;
  fold_rows(...geometry: number[]): void;
  max_pool_2x2(
    x: number,
    planes: number,
    h: number,
    w: number,
    outH: number,
    outW: number,
    out: number,
    arg: number,
  ): void;
}

/** The instantiated kernels and their shared memory. */
export interface Engine {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  exports: KernelExports;
  ctrl: Int32Array;
  threads: boolean;
}

let engine: Engine | null | undefined;

function decode(b64: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function start(): Engine | null {
  try {
    const module = new WebAssembly.Module(decode(KERNELS_WASM_BASE64));
    const memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
    const exports = new WebAssembly.Instance(module, { env: { memory } })
      .exports as unknown as KernelExports;
    const ctrl = new Int32Array(memory.buffer, 0, CTRL.length);
    let threads = false;
    try {
      threads = typeof Worker !== "undefined" &&
        (globalThis.navigator?.hardwareConcurrency ?? 1) > 1 &&
        !(globalThis as { RECOGNIZE_SINGLE_THREAD?: boolean }).RECOGNIZE_SINGLE_THREAD;
    } catch { /* no navigator */ }
    sabs.add(memory.buffer);
    return { module, memory, exports, ctrl, threads };
  } catch {
    return null; // no SIMD or no shared memory: the TypeScript kernels serve
  }
}

/** The kernels, or null where WebAssembly SIMD or shared memory is missing. */
export function wasmEngine(): Engine | null {
  if (engine === undefined) engine = start();
  return engine;
}

/** Every buffer object the memory has shown (a grown memory shows a new one). */
const sabs = new WeakSet<ArrayBufferLike>();
const freeBlocks = new Map<number, number[]>();
let top = RESERVED_BYTES;
/** {@link blockBytes} of the sizes seen (a training step asks for the same few every time). */
const classOf = new Map<number, number>();

/** Bytes of the block that holds `bytes`: four classes per power of two. */
export function blockBytes(bytes: number): number {
  let size = classOf.get(bytes);
  if (size === undefined) {
    size = sizeClass(bytes);
    if (classOf.size < 4096) classOf.set(bytes, size);
  }
  return size;
}

function sizeClass(bytes: number): number {
  const b = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  const pow = 2 ** Math.ceil(Math.log2(b));
  const quarter = pow / 8;
  let size = pow;
  for (let q = 5; q < 8; q++) {
    if (quarter * q >= b) {
      size = quarter * q;
      break;
    }
  }
  return Math.ceil(size / ALIGN) * ALIGN;
}

/** The memory as floats, current after any growth. */
export function heapF32(e: Engine): Float32Array {
  const buf = e.memory.buffer;
  sabs.add(buf);
  return new Float32Array(buf);
}

/** Grow the memory to at least `bytes`; false when it cannot. */
export function ensureMemory(e: Engine, bytes: number): boolean {
  const have = e.memory.buffer.byteLength;
  if (bytes <= have) return true;
  const pages = Math.ceil((bytes - have) / PAGE);
  if (have / PAGE + pages > MAX_PAGES) return false;
  try {
    e.memory.grow(pages);
  } catch {
    return false;
  }
  sabs.add(e.memory.buffer);
  return true;
}

/** A block of `bytes` (rounded to its class), or -1 when the memory is full. */
export function allocBlock(bytes: number): number {
  const e = wasmEngine();
  if (!e) return -1;
  const size = blockBytes(bytes);
  const reuse = freeBlocks.get(size)?.pop();
  if (reuse !== undefined) return reuse;
  if (!ensureMemory(e, top + size)) return -1;
  const at = top;
  top += size;
  return at;
}

/** Give back a block from {@link allocBlock}. */
export function freeBlock(at: number, bytes: number): void {
  const size = blockBytes(bytes);
  let list = freeBlocks.get(size);
  if (!list) freeBlocks.set(size, list = []);
  list.push(at);
}

/**
 * A float32 array in the kernels' memory, or null (too short, no
 * WebAssembly, or memory full). Fresh blocks are zero; reused ones are
 * zeroed when `zeroed`.
 */
export function heapArray(n: number, zeroed: boolean): Float32Array | null {
  if (n < HEAP_MIN_LENGTH) return null;
  const e = wasmEngine();
  if (!e) return null;
  const fresh = top;
  const at = allocBlock(4 * n);
  if (at < 0) return null;
  const buf = e.memory.buffer;
  sabs.add(buf);
  const a = new Float32Array(buf, at, n);
  if (zeroed && at < fresh) a.fill(0);
  return a;
}

/** The byte address of `a` in the kernels' memory, or -1 when it lies elsewhere. */
export function heapAddress(a: ArrayBufferView): number {
  return sabs.has(a.buffer) ? a.byteOffset : -1;
}

/** Return a heap array; false when `a` is not one (the caller keeps it). */
export function releaseHeapArray(a: Float32Array | Float64Array): boolean {
  if (!(a instanceof Float32Array) || heapAddress(a) < 0) return false;
  freeBlock(a.byteOffset, 4 * a.length);
  return true;
}

/** Copies `bytes` from a data array's memory (byte `src`) into the heap (byte `dst`). */
export type CopyIn = (dst: number, src: number, bytes: number) => void;

/** The dataset-copy module (data_copy_wat.ts); null where multi-memory is missing. */
let dataModule: WebAssembly.Module | null | undefined;
/** Each data array's memory buffer, and the copy out of it. */
const dataCopies = new WeakMap<ArrayBufferLike, CopyIn>();

/**
 * A zeroed array in a WebAssembly memory of its own, for a large upload (a
 * dataset): outside the heap, which never shrinks, yet {@link dataCopyIn}
 * copies its rows into the heap by `memory.copy` (memmove's speed) rather
 * than by JavaScript's `set` into shared memory (word by word);
 * {@link releaseDataArray} gives its pages back at dispose. Null where the
 * kernels, WebAssembly multi-memory or a way to give pages back (pages.ts)
 * are missing, or the memory cannot be had.
 */
export function dataArray(
  dtype: "float32" | "float64",
  n: number,
): Float32Array | Float64Array | null {
  const e = wasmEngine();
  if (!e || n === 0 || !canGivePagesBack()) return null;
  if (dataModule === undefined) {
    try {
      dataModule = new WebAssembly.Module(decode(DATA_COPY_WASM_BASE64));
    } catch {
      dataModule = null;
    }
  }
  if (!dataModule) return null;
  const bytes = n * (dtype === "float64" ? 8 : 4);
  const pages = Math.ceil(bytes / PAGE);
  if (pages > MAX_PAGES) return null;
  try {
    // never grown, so its buffer (and every view of it) stays valid
    const data = new WebAssembly.Memory({ initial: pages, maximum: pages });
    const copy = new WebAssembly.Instance(dataModule, { env: { memory: e.memory, data } })
      .exports.copy_in as CopyIn;
    dataCopies.set(data.buffer, copy);
    return dtype === "float64"
      ? new Float64Array(data.buffer, 0, n)
      : new Float32Array(data.buffer, 0, n);
  } catch {
    return null;
  }
}

/** The copy out of `a`'s memory into the heap when `a` is a {@link dataArray}, else undefined. */
export function dataCopyIn(a: ArrayBufferView): CopyIn | undefined {
  return dataCopies.get(a.buffer);
}

/**
 * Give a {@link dataArray}'s pages back to the system (its views read zeros
 * after); false when `a` is not one. The memory object goes when collected.
 */
export function releaseDataArray(a: ArrayBufferView): boolean {
  if (!dataCopies.delete(a.buffer)) return false;
  givePagesBack(a.buffer as ArrayBuffer);
  return true;
}
