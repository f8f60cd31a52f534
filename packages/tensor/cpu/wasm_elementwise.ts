// The WebAssembly SIMD elementwise kernels (wasm/elementwise_wat.ts), for
// float32 arrays in the kernels' heap. Each function returns false, having
// done nothing, when they do not apply (the reference kernels chosen, an
// operand outside the heap, no WebAssembly): the TypeScript loop then runs.

import type { TypedArray } from "../dtype.ts";
import type { UnfoldSpec } from "../backend.ts";
import { cpuKernels } from "./kernels.ts";
import {
  heapAddress,
  heapArray,
  type KernelExports,
  releaseHeapArray,
  wasmEngine,
} from "./wasm_memory.ts";

/** The kernels, when they run here and every array lies in their heap. */
function kernelsFor(...arrays: TypedArray[]): KernelExports | null {
  if (cpuKernels() === "reference") return null;
  for (const a of arrays) if (!(a instanceof Float32Array) || heapAddress(a) < 0) return null;
  return wasmEngine()?.exports ?? null;
}

/** `out = op(x)` for the ops with a WebAssembly twin (ReLU, e^x, σ). */
export function wasmUnary(op: string, x: TypedArray, out: TypedArray): boolean {
  if (op !== "relu" && op !== "exp" && op !== "sigmoid") return false;
  const k = kernelsFor(x, out);
  if (!k) return false;
  k[op](x.byteOffset, out.byteOffset, out.length);
  return true;
}

const BINARY = new Set(["add", "sub", "mul", "div", "reluGrad", "sigmoidGrad"]);

/** Same-length `out = op(a, b)` for the ops with a WebAssembly twin. */
export function wasmBinary(op: string, a: TypedArray, b: TypedArray, out: TypedArray): boolean {
  if (!BINARY.has(op)) return false;
  const k = kernelsFor(a, b, out);
  if (!k) return false;
  const f = op === "reluGrad"
    ? k.relu_grad
    : op === "sigmoidGrad"
    ? k.sigmoid_grad
    : k[op as "add" | "sub" | "mul" | "div"];
  f(a.byteOffset, b.byteOffset, out.byteOffset, out.length);
  return true;
}

/**
 * `out[r, j] = a[r, j] op b[j]` (`rows`) or `a[r, j] op b[r]` (`cols`) for
 * contiguous `[rows, n]` blocks of `a` and `out`, offsets in elements; false
 * when no twin applies.
 */
export function wasmBroadcast(
  op: string,
  kind: "rows" | "cols",
  a: TypedArray,
  ia: number,
  b: TypedArray,
  ib: number,
  out: TypedArray,
  io: number,
  rows: number,
  n: number,
): boolean {
  if (op !== "add" && op !== "sub" && op !== "mul" && op !== "div") return false;
  const k = kernelsFor(a, b, out);
  if (!k) return false;
  k[`${op}_${kind}`](
    a.byteOffset + 4 * ia,
    b.byteOffset + 4 * ib,
    out.byteOffset + 4 * io,
    rows,
    n,
  );
  return true;
}

/** Softmax over rows of `n` (`x` and `out` `[rows, n]`), in three kernel calls. */
export function wasmSoftmaxRows(x: TypedArray, out: TypedArray, rows: number, n: number): boolean {
  const k = kernelsFor(x, out);
  if (!k) return false;
  k.shift_rows(x.byteOffset, out.byteOffset, rows, n);
  k.exp(out.byteOffset, out.byteOffset, rows * n);
  k.normalize_rows(out.byteOffset, rows, n);
  return true;
}

/** Each row's maximum, or its position (`x` `[rows, n]`, n ≥ 1; `out` `[rows]`). */
export function wasmMaxRows(
  x: TypedArray,
  out: TypedArray,
  rows: number,
  n: number,
  index: boolean,
): boolean {
  const k = kernelsFor(x, out);
  if (!k) return false;
  k.max_rows(x.byteOffset, out.byteOffset, rows, n, index ? 1 : 0);
  return true;
}

/** `out = a + α·b`. */
export function wasmAxpy(a: TypedArray, b: TypedArray, alpha: number, out: TypedArray): boolean {
  const k = kernelsFor(a, b, out);
  if (!k) return false;
  k.axpy(a.byteOffset, b.byteOffset, alpha, out.byteOffset, out.length);
  return true;
}

/**
 * Batch norm's normalisation of channel `ch` of `[N, C, inner]`:
 * `y = x·scale + shift` in float64, as cpu/batch_norm.ts computes it.
 */
export function wasmBatchNormApply(
  x: TypedArray,
  y: TypedArray,
  shape: { n: number; c: number; inner: number; ch: number },
  scale: number,
  shift: number,
): boolean {
  const k = kernelsFor(x, y);
  if (!k) return false;
  const { n, c, inner, ch } = shape, first = 4 * ch * inner;
  k.bn_apply(x.byteOffset + first, y.byteOffset + first, n, inner, 4 * c * inner, scale, shift);
  return true;
}

/**
 * Batch norm's input gradient of channel `ch`:
 * `dx = k·((g − a) − ((x − μ)·s)·b)` in float64, as cpu/batch_norm.ts computes it.
 */
export function wasmBatchNormGrad(
  g: TypedArray,
  x: TypedArray,
  dx: TypedArray,
  shape: { n: number; c: number; inner: number; ch: number },
  k: number,
  a: number,
  mu: number,
  s: number,
  b: number,
): boolean {
  const kernels = kernelsFor(g, x, dx);
  if (!kernels) return false;
  const { n, c, inner, ch } = shape, first = 4 * ch * inner;
  kernels.bn_grad(
    g.byteOffset + first,
    x.byteOffset + first,
    dx.byteOffset + first,
    n,
    inner,
    4 * c * inner,
    k,
    a,
    mu,
    s,
    b,
  );
  return true;
}

/**
 * 2×2 max-pool backward for windows that tile the input: every plane zeroed,
 * then each window's gradient written at its winner.
 */
export function wasmMaxPoolScatter(
  g: TypedArray,
  argmax: TypedArray,
  s: UnfoldSpec,
  dx: TypedArray,
): boolean {
  const k = kernelsFor(g, argmax, dx);
  if (!k) return false;
  k.max_pool_scatter(
    g.byteOffset,
    argmax.byteOffset,
    dx.byteOffset,
    s.n * s.c,
    s.h * s.w,
    s.outH * s.outW,
  );
  return true;
}

/** The widest rows {@link wasmSumColumns} sums (wider ones take the TypeScript loop). */
const MAX_SUMMED_COLUMNS = 1 << 16;
/** The column sums' float64 accumulators, in the heap (a row's length; grown as rows grow). */
let accumulators: Float32Array | null = null;

/**
 * Column sums of `[outer, n, inner]` into `out` `[outer, inner]`, each in
 * float64 over the rows in order, as the TypeScript loop sums.
 */
export function wasmSumColumns(
  x: TypedArray,
  out: TypedArray,
  outer: number,
  n: number,
  inner: number,
): boolean {
  // the accumulators stay in the heap, which never shrinks: rows of up to 64 Ki columns
  if (inner > MAX_SUMMED_COLUMNS) return false;
  const k = kernelsFor(x, out);
  if (!k) return false;
  if (!accumulators || accumulators.length < 2 * inner) {
    const grown = heapArray(Math.max(2 * inner, 64), false);
    if (!grown) return false;
    if (accumulators) releaseHeapArray(accumulators);
    accumulators = grown;
  }
  for (let o = 0; o < outer; o++) {
    k.sum_cols(
      x.byteOffset + 4 * o * n * inner,
      out.byteOffset + 4 * o * inner,
      accumulators.byteOffset,
      n,
      inner,
    );
  }
  return true;
}

/**
 * `count` runs of `n` floats, the k-th from `x[src + k·stride]` to
 * `out[dst + k·n]` (offsets in elements).
 */
export function wasmCopyRuns(
  x: TypedArray,
  src: number,
  stride: number,
  out: TypedArray,
  dst: number,
  n: number,
  count: number,
): boolean {
  const k = kernelsFor(x, out);
  if (!k) return false;
  k.copy_runs(x.byteOffset + 4 * src, 4 * stride, out.byteOffset + 4 * dst, 4 * n, count);
  return true;
}

/** The geometry arguments of unfold_rows and fold_rows after the two arrays. */
function im2colGeometry(s: UnfoldSpec): number[] {
  return [
    s.n,
    s.c,
    s.h,
    s.w,
    s.kh,
    s.kw,
    s.sh,
    s.ph,
    s.pw,
    s.dh,
    s.dw,
    s.outH,
    s.outW,
    s.batchInner ? 1 : 0,
  ];
}

/** im2col of `x` into `cols` (every entry written) for a unit horizontal stride. */
export function wasmUnfold(x: TypedArray, s: UnfoldSpec, cols: TypedArray): boolean {
  if (s.sw !== 1) return false;
  const k = kernelsFor(x, cols);
  if (!k) return false;
  k.unfold_rows(x.byteOffset, cols.byteOffset, ...im2colGeometry(s), s.padValue);
  return true;
}

/** col2im: `cols` added into the zeroed `out`, for a unit horizontal stride. */
export function wasmFold(cols: TypedArray, s: UnfoldSpec, out: TypedArray): boolean {
  if (s.sw !== 1) return false;
  const k = kernelsFor(cols, out);
  if (!k) return false;
  k.fold_rows(out.byteOffset, cols.byteOffset, ...im2colGeometry(s));
  return true;
}

/** 2×2, stride-2 max-pooling without padding, when each output row is whole groups of four. */
export function wasmMaxPool2x2(
  x: TypedArray,
  s: UnfoldSpec,
  out: TypedArray,
  argmax: TypedArray,
): boolean {
  if (s.outW % 4 !== 0) return false;
  const k = kernelsFor(x, out, argmax);
  if (!k) return false;
  k.max_pool_2x2(
    x.byteOffset,
    s.n * s.c,
    s.h,
    s.w,
    s.outH,
    s.outW,
    out.byteOffset,
    argmax.byteOffset,
  );
  return true;
}
