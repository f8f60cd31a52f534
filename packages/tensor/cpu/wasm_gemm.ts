// The fast CPU matrix product: WebAssembly SIMD kernels (cpu/wasm/) on two
// threads when the product is large enough to pay for the hand-off. The
// plain TypeScript loops in matmul.ts stay the reference it is tested
// against and the path for float64, small products, and runtimes without
// WebAssembly SIMD or shared memory.

import type { MatmulSpec } from "../backend.ts";
import { GEMM_WASM_BASE64 } from "./wasm/gemm_wasm.ts";
import {
  CTRL,
  type GemmKernel,
  RESERVED_BYTES,
  SPIN_MS,
  spinWhile,
  STATE,
} from "./wasm/protocol.ts";

const MR = 6, NR = 8;
const PAGE = 65536;

interface Exports extends GemmKernel {
  pack_at(src: number, m: number, k: number, dst: number): void;
  pack_b(src: number, k: number, n: number, trans: number, dst: number): void;
}

interface Engine {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  exports: Exports;
  ctrl: Int32Array;
  threads: boolean;
}

let engine: Engine | null | undefined;
let helperTasks = 0;

/** How many products the helper thread has shared (tests check it takes part). */
export function helperTaskCount(): number {
  return helperTasks;
}

/** Products smaller than this many multiply-adds stay on one thread. */
export let PARALLEL_MIN_MACS = 1 << 20;

/** Set the threshold above which the second thread helps (tests lower it). */
export function setParallelThreshold(macs: number): void {
  PARALLEL_MIN_MACS = macs;
}

function decode(b64: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function start(): Engine | null {
  try {
    const module = new WebAssembly.Module(decode(GEMM_WASM_BASE64));
    const memory = new WebAssembly.Memory({ initial: 16, maximum: 32768, shared: true });
    const exports = new WebAssembly.Instance(module, { env: { memory } })
      .exports as unknown as Exports;
    const ctrl = new Int32Array(memory.buffer, 0, CTRL.length);
    let threads = false;
    try {
      threads = typeof Worker !== "undefined" &&
        (globalThis.navigator?.hardwareConcurrency ?? 1) > 1 &&
        !(globalThis as { RECOGNIZE_SINGLE_THREAD?: boolean }).RECOGNIZE_SINGLE_THREAD;
    } catch { /* no navigator */ }
    return { module, memory, exports, ctrl, threads };
  } catch {
    return null; // no SIMD or no shared memory: the TypeScript kernels serve
  }
}

function spawnHelper(e: Engine): void {
  if (Atomics.compareExchange(e.ctrl, CTRL.state, STATE.gone, STATE.starting) !== STATE.gone) {
    return;
  }
  try {
    const worker = new Worker(new URL("./wasm/gemm_worker.ts", import.meta.url).href, {
      type: "module",
    });
    worker.postMessage({ module: e.module, memory: e.memory });
  } catch {
    Atomics.store(e.ctrl, CTRL.state, STATE.gone);
    e.threads = false;
  }
}

/** Whether the WebAssembly kernels run here. */
export function wasmGemmAvailable(): boolean {
  if (engine === undefined) engine = start();
  return engine !== null;
}

function ensureBytes(e: Engine, bytes: number): Float32Array {
  const have = e.memory.buffer.byteLength;
  if (bytes > have) e.memory.grow(Math.ceil((bytes - have) / PAGE));
  return new Float32Array(e.memory.buffer);
}

/**
 * `out[batch, m, n] = op(A[b]) · op(B[b])` for float32, on the WebAssembly kernels.
 *
 * @param a A's elements.
 * @param b B's elements.
 * @param spec The product.
 * @param out The result (`batch·m·n`), fully overwritten.
 * @param threads Use the helper thread when worthwhile (default true).
 */
export function wasmMatmul(
  a: Float32Array,
  b: Float32Array,
  spec: MatmulSpec,
  out: Float32Array,
  threads = true,
): void {
  if (!wasmGemmAvailable()) throw new Error("internal: WebAssembly GEMM unavailable");
  const e = engine!;
  const { batch, m, n, k } = spec;
  const mPanels = Math.ceil(m / MR), nPanels = Math.ceil(n / NR);
  const mp = mPanels * MR, np = nPanels * NR;
  // A and B are read where they lie; a transposed A is packed ([mPanels][k][MR]),
  // a transposed B too ([nPanels][k][NR]).
  // The kernel reads the padding rows and columns of the last panels past the
  // operands' ends (into the next region or the slack); what they produce
  // lands in C's padding, which is not copied out.
  // layout in floats: [control | A | B | packed A | packed B | C | slack]
  const base = RESERVED_BYTES / 4;
  const aAt = base,
    bAt = aAt + m * k,
    paAt = bAt + k * n,
    pbAt = paAt + (spec.transA ? mp * k : 0),
    cAt = pbAt + (spec.transB ? np * k : 0),
    end = cAt + mp * np + (MR + NR) * (k + 1);
  let f = ensureBytes(e, end * 4);
  // byte strides of A(i, p) = a + ⌊i/MR⌋·aPanel + (i mod MR)·aRow + p·aStep
  const [aIn, aPanel, aRow, aStep] = spec.transA
    ? [paAt, 4 * MR * k, 4, 4 * MR]
    : [aAt, 4 * MR * k, 4 * k, 4];
  // and of B(p, j) = b + ⌊j/NR⌋·bPanel + 4·(j mod NR) + p·bStep
  const [bIn, bPanel, bStep] = spec.transB ? [pbAt, 4 * NR * k, 4 * NR] : [bAt, 4 * NR, 4 * n];
  const parallel = threads && e.threads && m * n * k >= PARALLEL_MIN_MACS && nPanels >= 2;
  if (parallel && Atomics.load(e.ctrl, CTRL.state) === STATE.gone) spawnHelper(e);
  for (let z = 0; z < batch; z++) {
    if (z === 0 || spec.strideA !== 0) {
      f.set(a.subarray(z * spec.strideA, z * spec.strideA + m * k), aAt);
      if (spec.transA) e.exports.pack_at(aAt * 4, m, k, paAt * 4);
    }
    if (z === 0 || spec.strideB !== 0) {
      f.set(b.subarray(z * spec.strideB, z * spec.strideB + k * n), bAt);
      if (spec.transB) e.exports.pack_b(bAt * 4, k, n, 1, pbAt * 4);
    }
    const split = parallel ? Math.floor(nPanels / 2) : nPanels;
    let posted = false;
    if (split < nPanels && Atomics.load(e.ctrl, CTRL.state) === STATE.idle) {
      const ctrl = e.ctrl;
      ctrl[CTRL.mPanels] = mPanels;
      ctrl[CTRL.jp0] = split;
      ctrl[CTRL.jp1] = nPanels;
      ctrl[CTRL.k] = k;
      ctrl[CTRL.a] = aIn * 4;
      ctrl[CTRL.aPanel] = aPanel;
      ctrl[CTRL.aRow] = aRow;
      ctrl[CTRL.aStep] = aStep;
      ctrl[CTRL.b] = bIn * 4;
      ctrl[CTRL.bPanel] = bPanel;
      ctrl[CTRL.bStep] = bStep;
      ctrl[CTRL.c] = cAt * 4;
      ctrl[CTRL.ldc] = np;
      // the helper may be leaving: hand over only if it still waits
      posted = Atomics.compareExchange(ctrl, CTRL.state, STATE.idle, STATE.task) === STATE.idle;
      if (posted) {
        helperTasks++;
        Atomics.notify(ctrl, CTRL.state);
      }
    }
    e.exports.gemm(
      mPanels,
      0,
      posted ? split : nPanels,
      k,
      aIn * 4,
      aPanel,
      aRow,
      aStep,
      bIn * 4,
      bPanel,
      bStep,
      cAt * 4,
      np,
    );
    if (posted && !spinWhile(e.ctrl, STATE.task, SPIN_MS)) {
      while (Atomics.load(e.ctrl, CTRL.state) === STATE.task) {
        Atomics.wait(e.ctrl, CTRL.state, STATE.task, 50);
      }
    }
    f = new Float32Array(e.memory.buffer);
    const o = z * m * n;
    if (np === n) out.set(f.subarray(cAt, cAt + m * n), o);
    else for (let i = 0; i < m; i++) out.set(f.subarray(cAt + i * np, cAt + i * np + n), o + i * n);
  }
}
