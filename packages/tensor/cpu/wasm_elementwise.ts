// The WebAssembly SIMD elementwise kernels (wasm/elementwise_wat.ts), for
// float32 arrays in the kernels' heap. Each function returns false, having
// done nothing, when they do not apply (the reference kernels chosen, an
// operand outside the heap, no WebAssembly): the TypeScript loop then runs.

import type { TypedArray } from "../dtype.ts";
import type { AdamScalars, UnfoldSpec } from "../backend.ts";
import { cpuKernels } from "./kernels.ts";
import {
  heapAddress,
  heapArray,
  type KernelExports,
  releaseHeapArray,
  wasmEngine,
} from "./wasm_memory.ts";
import { splitCall } from "./wasm_threads.ts";

/** Element-wise passes are cut between threads at multiples of this (the kernels' SIMD groups). */
const GROUP = 16;

/** Each array's byte address at element `f` (a share of a pass starting there). */
const from = (f: number, ...arrays: TypedArray[]) => arrays.map((a) => a.byteOffset + 4 * f);

/** The kernels, when they run here and every array lies in their heap. */
function kernelsFor(...arrays: TypedArray[]): KernelExports | null {
  if (cpuKernels() === "reference") return null;
  for (const a of arrays) if (!(a instanceof Float32Array) || heapAddress(a) < 0) return null;
  return wasmEngine()?.exports ?? null;
}

/** `out = op(x)` for the ops with a WebAssembly twin (ReLU, e^x, σ). */
export function wasmUnary(op: string, x: TypedArray, out: TypedArray): boolean {
  if (op !== "relu" && op !== "exp" && op !== "sigmoid") return false;
  if (!kernelsFor(x, out)) return false;
  const n = out.length;
  // e^x and σ take ~3.4 ns a float (float64 lanes) where ReLU is memory-bound:
  // their work counts as eight times its bytes toward the split
  const work = (op === "relu" ? 8 : 64) * n;
  splitCall(op, n, work, (f, t) => [...from(f, x, out), t - f], GROUP);
  return true;
}

/** Whether `op` has broadcast kernels (`<op>_rows`, `<op>_cols`). */
const isArithmetic = (op: string): op is "add" | "sub" | "mul" | "div" =>
  op === "add" || op === "sub" || op === "mul" || op === "div";
const BINARY = new Set(["add", "sub", "mul", "div", "reluGrad", "sigmoidGrad"]);

/** Same-length `out = op(a, b)` for the ops with a WebAssembly twin. */
export function wasmBinary(op: string, a: TypedArray, b: TypedArray, out: TypedArray): boolean {
  if (!BINARY.has(op)) return false;
  if (!kernelsFor(a, b, out)) return false;
  const kernel = op === "reluGrad"
    ? "relu_grad"
    : op === "sigmoidGrad"
    ? "sigmoid_grad"
    : op as "add" | "sub" | "mul" | "div";
  const n = out.length;
  splitCall(kernel, n, 12 * n, (f, t) => [...from(f, a, b, out), t - f], GROUP);
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
  if (!isArithmetic(op)) return false;
  if (!kernelsFor(a, b, out)) return false;
  // by rows: a `cols` operand's entries go with them
  splitCall(`${op}_${kind}`, rows, 8 * rows * n, (f, t) => [
    a.byteOffset + 4 * (ia + f * n),
    b.byteOffset + 4 * (ib + (kind === "cols" ? f : 0)),
    out.byteOffset + 4 * (io + f * n),
    t - f,
    n,
  ]);
  return true;
}

/** One Adam step in place (`adamInPlace`'s loop, the same bits). */
export function wasmAdam(
  p: TypedArray,
  g: TypedArray,
  m: TypedArray,
  v: TypedArray,
  s: AdamScalars,
): boolean {
  if (!kernelsFor(p, g, m, v)) return false;
  // operands rounded to float32, the sums' scales as they are (as the loop takes them)
  const f = Math.fround;
  const scalars = [f(s.beta1), f(s.beta2), f(s.vScale), f(s.eps), 1 - s.beta1, 1 - s.beta2, s.step];
  splitCall(
    "adam",
    p.length,
    32 * p.length,
    (f, t) => [...from(f, p, g, m, v), ...scalars, t - f],
    GROUP,
  );
  return true;
}

/**
 * Dropout's mask into `out`: `keep` where `counterHash(seed, i) >>> 8 >=
 * threshold`, else 0 (cpu/backend.ts's loop, the same bits).
 */
export function wasmDropoutMask(
  out: TypedArray,
  seed: number,
  threshold: number,
  keep: number,
): boolean {
  if (!kernelsFor(out)) return false;
  // about twenty integer operations a float: its work counts as eight times its bytes
  splitCall("dropout_mask", out.length, 32 * out.length, (f, t) => [
    ...from(f, out),
    f,
    t - f,
    seed,
    threshold,
    keep,
  ], GROUP);
  return true;
}

/** A heap cell holding the scalar of {@link wasmScalar} (small arrays live outside the heap). */
let scalarCell: Float32Array | null = null;

/**
 * `out = a op s` for a scalar `s` (`add`, `sub`, `mul`, `div`): the kernel of
 * a value per row over rows of one, the value copied into a heap cell first.
 */
export function wasmScalar(op: string, a: TypedArray, s: number, out: TypedArray): boolean {
  if (!isArithmetic(op)) return false;
  if (!kernelsFor(a, out)) return false;
  scalarCell ??= heapArray(16, false);
  if (!scalarCell) return false;
  scalarCell[0] = s;
  const cell = scalarCell.byteOffset;
  splitCall(`${op}_cols`, out.length, 8 * out.length, (f, t) => [
    ...from(f, a),
    cell,
    ...from(f, out),
    1,
    t - f,
  ], GROUP);
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
  if (!kernelsFor(a, b, out)) return false;
  const n = out.length;
  splitCall("axpy", n, 12 * n, (f, t) => [...from(f, a, b), alpha, ...from(f, out), t - f], GROUP);
  return true;
}

/** One momentum step in place (`momentumInPlace`'s loop): `m ← m·μ + step·g`, `p ← p + m`. */
export function wasmMomentum(
  p: TypedArray,
  g: TypedArray,
  m: TypedArray,
  momentum: number,
  step: number,
): boolean {
  if (!kernelsFor(p, g, m)) return false;
  const mu = Math.fround(momentum);
  splitCall(
    "momentum",
    p.length,
    16 * p.length,
    (f, t) => [...from(f, p, g, m), mu, step, t - f],
    GROUP,
  );
  return true;
}

/** Float64 scratch in the heap for batch norm's per-channel figures (grown as needed, kept). */
let channelScratch: Float64Array | null = null;

function channelFigures(length: number): Float64Array | null {
  if (!channelScratch || channelScratch.length < length) {
    // a float32 block of twice the length, seen as float64s (blocks start on cache lines)
    const block = heapArray(Math.max(2 * length, 64), false);
    if (!block) return null;
    if (channelScratch) {
      releaseHeapArray(
        new Float32Array(
          channelScratch.buffer,
          channelScratch.byteOffset,
          2 * channelScratch.length,
        ),
      );
    }
    channelScratch = new Float64Array(block.buffer, block.byteOffset, block.length / 2);
  }
  return channelScratch;
}

/**
 * A kernel over channels of `[n, c, inner]` float32s (cpu/wasm/elementwise_wat.ts,
 * `batchNormChannels`): the arrays' addresses, then n, c, inner, the
 * channel range, then `last` (an output or the constants' address). Cut
 * between the threads by channels: each writes only its channels. `streams`:
 * how many `[n, c, inner]` arrays the pass reads and writes (for the split's
 * size rule).
 */
function channelRangeCall(
  kernel: "bn_stats" | "bn_grad_sums" | "bn_apply_channels" | "bn_grad_channels" | "sum_rows",
  arrays: readonly TypedArray[],
  [n, c, inner]: readonly [number, number, number],
  last: number,
  streams: number,
): void {
  const at = arrays.map((a) => a.byteOffset);
  splitCall(kernel, c, 4 * streams * n * c * inner, (f, t) => [...at, n, c, inner, f, t, last]);
}

/**
 * Batch norm's statistics of `[N, C, inner]` float32s, per channel in
 * float64 as cpu/batch_norm.ts computes them: `(mean, variance)` at `[2·ch]`,
 * in a heap scratch with room for `extra` more float64s after them (valid
 * until the next call), or null when the kernels do not apply.
 */
export function wasmBatchNormStats(
  x: TypedArray,
  n: number,
  c: number,
  inner: number,
  extra = 0,
): Float64Array | null {
  if (!kernelsFor(x)) return null;
  const out = channelFigures(2 * c + extra);
  if (!out) return null;
  channelRangeCall("bn_stats", [x], [n, c, inner], out.byteOffset, 2);
  return out;
}

/**
 * Batch norm's gradient sums per channel, `(Σ g, Σ g·(x − μ)·s)` at `[2·ch]`,
 * with room for `extra` float64s after them, as {@link wasmBatchNormStats}.
 */
export function wasmBatchNormGradSums(
  g: TypedArray,
  x: TypedArray,
  mean: TypedArray,
  invstd: TypedArray,
  n: number,
  c: number,
  inner: number,
  extra = 0,
): Float64Array | null {
  if (!kernelsFor(g, x, mean, invstd)) return null;
  const out = channelFigures(2 * c + extra);
  if (!out) return null;
  channelRangeCall("bn_grad_sums", [g, x, mean, invstd], [n, c, inner], out.byteOffset, 2);
  return out;
}

/**
 * `y = x·scale + shift` per channel of `[N, C, inner]` in float64, the
 * constants at `params[at + 2·ch]` (a {@link wasmBatchNormStats} scratch).
 */
export function wasmBatchNormApply(
  x: TypedArray,
  y: TypedArray,
  n: number,
  c: number,
  inner: number,
  params: Float64Array,
  at: number,
): boolean {
  if (!kernelsFor(x, y)) return false;
  channelRangeCall("bn_apply_channels", [x, y], [n, c, inner], params.byteOffset + 8 * at, 2);
  return true;
}

/**
 * Batch norm's input gradient per channel, `dx = k·((g − a) − ((x − μ)·s)·b)`
 * in float64, `(k, a, μ, s, b)` at `params[at + 5·ch]`.
 */
export function wasmBatchNormGrad(
  g: TypedArray,
  x: TypedArray,
  dx: TypedArray,
  n: number,
  c: number,
  inner: number,
  params: Float64Array,
  at: number,
): boolean {
  if (!kernelsFor(g, x, dx)) return false;
  channelRangeCall("bn_grad_channels", [g, x, dx], [n, c, inner], params.byteOffset + 8 * at, 3);
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
  if (!kernelsFor(g, argmax, dx)) return false;
  // by planes (the winners are plane indices)
  const planes = s.n * s.c, size = s.h * s.w, per = s.outH * s.outW;
  splitCall("max_pool_scatter", planes, 4 * planes * (size + 2 * per), (f, t) => [
    g.byteOffset + 4 * f * per,
    argmax.byteOffset + 4 * f * per,
    dx.byteOffset + 4 * f * size,
    t - f,
    size,
    per,
  ]);
  return true;
}

/**
 * Each row's sum of `x` `[rows, n]` into `out` `[rows]`, in float64 in
 * order and rounded to float32, as the TypeScript loop sums; cut between
 * the threads by rows.
 */
export function wasmSumRows(x: TypedArray, out: TypedArray, rows: number, n: number): boolean {
  if (!kernelsFor(x, out)) return false;
  // one sample whose channels are the rows
  channelRangeCall("sum_rows", [x], [1, rows, n], out.byteOffset, 1);
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
 * `blocks` blocks of `count` runs of `n` floats: block b's k-th run from
 * `x[src + b·blockStride + k·stride]`, the runs one after another in `out`
 * from `dst` (offsets in elements). Cut between the threads by blocks, or
 * by runs when there is one block.
 */
export function wasmCopyRuns(
  x: TypedArray,
  src: number,
  stride: number,
  out: TypedArray,
  dst: number,
  n: number,
  count: number,
  blocks = 1,
  blockStride = 0,
): boolean {
  if (!kernelsFor(x, out)) return false;
  const bytes = 8 * n * count * blocks;
  if (blocks > 1) {
    splitCall("copy_runs", blocks, bytes, (f, t) => [
      x.byteOffset + 4 * (src + f * blockStride),
      4 * stride,
      out.byteOffset + 4 * (dst + f * count * n),
      4 * n,
      count,
      t - f,
      4 * blockStride,
    ]);
  } else {
    splitCall("copy_runs", count, bytes, (f, t) => [
      x.byteOffset + 4 * (src + f * stride),
      4 * stride,
      out.byteOffset + 4 * (dst + f * n),
      4 * n,
      t - f,
      1,
      0,
    ]);
  }
  return true;
}

/** The geometry arguments of unfold_rows and fold_rows after the two arrays (then the samples' range). */
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
  if (!kernelsFor(x, cols)) return false;
  const geometry = im2colGeometry(s);
  // by samples: each writes its own columns
  splitCall("unfold_rows", s.n, 8 * cols.length, (f, t) => [
    x.byteOffset,
    cols.byteOffset,
    ...geometry,
    f,
    t,
    s.padValue,
  ]);
  return true;
}

/** col2im: `cols` added into the zeroed `out`, for a unit horizontal stride. */
export function wasmFold(cols: TypedArray, s: UnfoldSpec, out: TypedArray): boolean {
  if (s.sw !== 1) return false;
  if (!kernelsFor(cols, out)) return false;
  const geometry = im2colGeometry(s);
  // by samples: each adds into its own planes, in the one thread's order
  splitCall(
    "fold_rows",
    s.n,
    4 * cols.length,
    (f, t) => [out.byteOffset, cols.byteOffset, ...geometry, f, t],
  );
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
  if (!kernelsFor(x, out, argmax)) return false;
  // by planes (the winners are plane indices)
  const planes = s.n * s.c, size = s.h * s.w, per = s.outH * s.outW;
  splitCall("max_pool_2x2", planes, 4 * planes * (size + 2 * per), (f, t) => [
    x.byteOffset + 4 * f * size,
    t - f,
    s.h,
    s.w,
    s.outH,
    s.outW,
    out.byteOffset + 4 * f * per,
    argmax.byteOffset + 4 * f * per,
  ]);
  return true;
}
