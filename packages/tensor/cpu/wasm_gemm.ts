// The fast CPU matrix product: WebAssembly SIMD kernels (cpu/wasm/) on two
// threads when the product is large enough to pay for the hand-off. The
// plain TypeScript loops in matmul.ts stay the reference it is tested
// against and the path for float64, small products, and runtimes without
// WebAssembly SIMD or shared memory.

import type { MatmulSpec } from "../backend.ts";
import {
  allocBlock,
  blockBytes,
  ensureMemory,
  freeBlock,
  heapAddress,
  heapArray,
  heapF32,
  releaseHeapArray,
  wasmEngine,
} from "./wasm_memory.ts";
import { joinHelper, postToHelper } from "./wasm_threads.ts";

const MR = 6, NR = 8;
/** B with rows this long or longer is packed even untransposed (a row step would cost a page). */
const PACK_WIDE_B = 1024;

/**
 * Products smaller than this many multiply-adds stay on one thread. A
 * product alone runs faster on two from about a million (an MLP step's
 * 32×1024·1024×64: 51-64 µs against 81), but in training the step around it
 * is slower: the helper spins on the second core between tasks, and the
 * main thread's other work pays (the MLP epoch at batch 32 on this VM:
 * 0.137-0.175 s with the helper at 2²⁰, 0.110-0.113 s without; at batch 256,
 * whose products are 2²⁴, 0.070-0.077 s with it, 0.083-0.086 s without).
 */
export const DEFAULT_PARALLEL_MIN_MACS = 1 << 23;
export let PARALLEL_MIN_MACS = DEFAULT_PARALLEL_MIN_MACS;

/** Set the threshold above which the second thread helps (tests lower it). */
export function setParallelThreshold(macs: number): void {
  PARALLEL_MIN_MACS = macs;
}

/** Whether the WebAssembly kernels run here. */
export function wasmGemmAvailable(): boolean {
  return wasmEngine() !== null;
}

// One scratch block, kept between products and replaced by a larger one when needed.
let scratchAt = -1, scratchBytes = 0;

function scratch(bytes: number): number {
  if (bytes <= scratchBytes) return scratchAt;
  if (scratchAt >= 0) freeBlock(scratchAt, scratchBytes);
  scratchAt = allocBlock(bytes);
  scratchBytes = scratchAt < 0 ? 0 : blockBytes(bytes);
  return scratchAt;
}

/**
 * `out[batch, m, n] = op(A[b]) · op(B[b])` for float32, on the WebAssembly kernels.
 * Operands that live in the kernels' memory (see wasm_memory.ts) are read in place.
 *
 * @param a A's elements.
 * @param b B's elements.
 * @param spec The product.
 * @param out The result (`batch·m·n`), fully overwritten.
 * @param threads Use the helper thread when worthwhile (default true).
 * @returns False when the memory could not hold the product (nothing written).
 */
export function wasmMatmul(
  a: Float32Array,
  b: Float32Array,
  spec: MatmulSpec,
  out: Float32Array,
  threads = true,
): boolean {
  const e = wasmEngine();
  if (!e) throw new Error("internal: WebAssembly GEMM unavailable");
  const { batch, m, n, k } = spec;
  if (batch === 1 && spec.transB && !spec.transA && n >= 2 * m && m >= MR) {
    return swappedProduct(a, b, spec, out, threads);
  }
  const mPanels = Math.ceil(m / MR), nPanels = Math.ceil(n / NR);
  const mp = mPanels * MR, np = nPanels * NR;
  const aHome = heapAddress(a), bHome = heapAddress(b), outHome = heapAddress(out);
  const direct = outHome >= 0 && n % NR === 0;
  const fullPanels = Math.floor(m / MR);
  // Scratch, in floats: [A copy | B copy | packed A | packed B | C]. A, B and C
  // are read where they lie; a transposed operand, or a wide B, is packed into
  // panels ([mPanels][k][MR], [nPanels][k][NR]). The last panels' padding rows and
  // columns read past an operand's end (whatever lies there): what they
  // produce lands in C's padding, which is not copied out. `reach` bounds
  // those reads, so the memory is grown to cover them.
  const reach = (MR + NR) * (k + m + n) + 16;
  const aLen = aHome < 0 ? m * k + reach : 0,
    bLen = bHome < 0 ? k * n + reach : 0,
    paLen = spec.transA ? mp * k : 0,
    packB = spec.transB || n >= PACK_WIDE_B,
    pbLen = packB ? np * k : 0;
  const s = scratch(4 * (aLen + bLen + paLen + pbLen + mp * np + reach));
  if (s < 0) return false;
  const aAt = s / 4, bAt = aAt + aLen, paAt = bAt + bLen, pbAt = paAt + paLen, cAt = pbAt + pbLen;
  const lastA = aHome + 4 * (spec.strideA * (batch - 1) + m * k + reach);
  const lastB = bHome + 4 * (spec.strideB * (batch - 1) + k * n + reach);
  if (!ensureMemory(e, Math.max(s + scratchBytes, lastA, lastB))) return false;
  let f = heapF32(e);
  // byte strides of A(i, p) = a + ⌊i/MR⌋·aPanel + (i mod MR)·aRow + p·aStep
  const aPanel = 4 * MR * k;
  const [aRow, aStep] = spec.transA ? [4, 4 * MR] : [4 * k, 4];
  // and of B(p, j) = b + ⌊j/NR⌋·bPanel + 4·(j mod NR) + p·bStep
  const [bPanel, bStep] = packB ? [4 * NR * k, 4 * NR] : [4 * NR, 4 * n];
  const parallel = threads && e.threads && m * n * k >= PARALLEL_MIN_MACS && nPanels >= 2;
  /** Byte address of operand `x`'s matrix `z`: where it lies, or copied to `at` (floats). */
  const place = (
    x: Float32Array,
    home: number,
    stride: number,
    len: number,
    z: number,
    at: number,
  ) => {
    if (home >= 0) return home + 4 * z * stride;
    f.set(x.subarray(z * stride, z * stride + len), at);
    return at * 4;
  };
  let aIn = 0, bIn = 0;
  for (let z = 0; z < batch; z++) {
    if (z === 0 || spec.strideA !== 0) {
      aIn = place(a, aHome, spec.strideA, m * k, z, aAt);
      if (spec.transA) {
        e.exports.pack_at(aIn, m, k, paAt * 4);
        aIn = paAt * 4;
      }
    }
    if (z === 0 || spec.strideB !== 0) {
      bIn = place(b, bHome, spec.strideB, k * n, z, bAt);
      if (packB) {
        if (spec.transB) e.exports.pack_bt(bIn, k, n, pbAt * 4);
        else e.exports.pack_bn(bIn, k, n, pbAt * 4);
        bIn = pbAt * 4;
      }
    }
    // C's whole MR-row panels go straight into `out` when it lies in the memory
    // and its rows hold whole NR-column panels; the rest (and every C
    // elsewhere) goes through the scratch C with its padding, then is copied.
    const cOut = outHome + 4 * z * m * n;
    const [mainPanels, cMain, ldcMain] = direct ? [fullPanels, cOut, n] : [mPanels, cAt * 4, np];
    const split = parallel ? Math.floor(nPanels / 2) : nPanels;
    // the helper's column panels [split, nPanels)
    const helped = split < nPanels && mainPanels > 0
      ? [
        mainPanels,
        split,
        nPanels,
        k,
        aIn,
        aPanel,
        aRow,
        aStep,
        bIn,
        bPanel,
        bStep,
        cMain,
        ldcMain,
      ]
      : null;
    const posted = helped !== null && postToHelper(e, "gemm", helped);
    const kernel = e.exports;
    const run = (panels: number, jp1: number, aFrom: number, c: number, ldc: number) =>
      kernel.gemm(panels, 0, jp1, k, aFrom, aPanel, aRow, aStep, bIn, bPanel, bStep, c, ldc);
    if (mainPanels > 0) run(mainPanels, posted ? split : nPanels, aIn, cMain, ldcMain);
    // the partial last row panel, into the scratch C
    if (direct && fullPanels < mPanels) run(1, nPanels, aIn + fullPanels * aPanel, cAt * 4, np);
    if (posted) joinHelper(e, "gemm", helped);
    f = heapF32(e);
    const o = z * m * n;
    if (direct) {
      const r0 = fullPanels * MR;
      if (r0 < m) out.set(f.subarray(cAt, cAt + (m - r0) * n), o + r0 * n);
    } else if (np === n) out.set(f.subarray(cAt, cAt + m * n), o);
    else for (let i = 0; i < m; i++) out.set(f.subarray(cAt + i * np, cAt + i * np + n), o + i * n);
  }
  return true;
}

/**
 * `C = A·Bᵀ` with B the larger (a convolution's weight gradient: the
 * unfolded columns are Bᵀ) as `Cᵀ = B·Aᵀ`: B is then read in place and the
 * smaller A packed, instead of packing all of B; Cᵀ is small, and turned.
 */
function swappedProduct(
  a: Float32Array,
  b: Float32Array,
  spec: MatmulSpec,
  out: Float32Array,
  threads: boolean,
): boolean {
  const { m, n } = spec;
  const ct = heapArray(m * n, false) ?? new Float32Array(m * n);
  try {
    const swapped = { ...spec, m: n, n: m, transA: false, transB: true, strideA: 0, strideB: 0 };
    if (!wasmMatmul(b, a, swapped, ct, threads)) return false;
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i * n + j] = ct[j * m + i];
    return true;
  } finally {
    releaseHeapArray(ct);
  }
}
