/**
 * The contract between the Tensor API and a compute device.
 *
 * A backend stores flat, contiguous, row-major buffers and runs a small set of
 * primitives on them. Shapes arrive already validated and broadcast by the
 * Tensor layer; gradients are never a backend's concern. Every method that
 * returns a buffer returns a new one that the caller owns and hands back with
 * {@link Backend.release}.
 *
 * @module
 */

import type { DType, TypedArray } from "./dtype.ts";
import type { Shape } from "./shape.ts";

/** Names of the devices a tensor can live on. */
export type DeviceName = "cpu" | "webgpu";

/** Elementwise functions of one argument. */
export type UnaryOp =
  | "neg"
  | "exp"
  | "log"
  | "sqrt"
  | "abs"
  | "sign"
  | "sigmoid"
  | "tanh"
  | "relu";

/** Elementwise functions of two arguments (comparisons give 1 or 0). */
export type BinaryOp =
  | "add"
  | "sub"
  | "mul"
  | "div"
  | "pow"
  | "maximum"
  | "minimum"
  | "eq"
  | "ne"
  | "lt"
  | "le"
  | "gt"
  | "ge"
  /** `u` where `v > 0`, else 0: ReLU's backward, `v` its output (one pass for two ops). */
  | "reluGrad"
  /** `u·v·(1 − v)`: the sigmoid's backward, `v` its output (one pass for three ops). */
  | "sigmoidGrad";

/** Reductions over one axis; `argmax`/`argmin` return the first index as a number. */
export type ReduceOp = "sum" | "max" | "min" | "argmax" | "argmin";

/** A batched matrix product `C[b] = op(A[b]) · op(B[b])`, all row-major. */
export interface MatmulSpec {
  /** Number of products. */
  batch: number;
  /** Rows of the result. */
  m: number;
  /** Columns of the result. */
  n: number;
  /** The shared dimension. */
  k: number;
  /** A is stored as `[k, m]` and used transposed. */
  transA: boolean;
  /** B is stored as `[n, k]` and used transposed. */
  transB: boolean;
  /** Elements between consecutive A matrices; 0 reuses one matrix for every batch. */
  strideA: number;
  /** Elements between consecutive B matrices; 0 reuses one matrix for every batch. */
  strideB: number;
}

/**
 * Geometry of an im2col `unfold` of an NCHW tensor into
 * `[N, C·kh·kw, outH·outW]` columns, and of its adjoint `fold`.
 */
export interface UnfoldSpec {
  /** Batch size. */
  n: number;
  /** Channels. */
  c: number;
  /** Input height. */
  h: number;
  /** Input width. */
  w: number;
  /** Kernel height. */
  kh: number;
  /** Kernel width. */
  kw: number;
  /** Vertical stride. */
  sh: number;
  /** Horizontal stride. */
  sw: number;
  /** Padding above (and the start offset of the first window). */
  ph: number;
  /** Padding to the left. */
  pw: number;
  /** Vertical dilation. */
  dh: number;
  /** Horizontal dilation. */
  dw: number;
  /** Output height (may reach past the bottom padding, as `ceilMode` asks). */
  outH: number;
  /** Output width. */
  outW: number;
  /** Value read outside the input (0 for convolution, -Infinity for max-pooling). */
  padValue: number;
  /**
   * Column layout: `false` (default) `[N, C·kh·kw, L]`; `true` `[C·kh·kw, N, L]`, so that a
   * convolution over the whole batch is one matrix product.
   */
  batchInner?: boolean;
}

/**
 * The constants of one Adam step ({@link Backend.adamInPlace}), as the
 * composed ops take them: `beta1`, `beta2`, `vScale` and `eps` are operands
 * (rounded to the dtype), `1 − beta1`, `1 − beta2` and `step` scale a sum.
 */
export interface AdamScalars {
  /** β₁, the first moment's decay. */
  beta1: number;
  /** β₂, the second moment's decay. */
  beta2: number;
  /** `1 / (1 − β₂ᵗ)`, the second moment's bias correction. */
  vScale: number;
  /** Added to the root of the second moment. */
  eps: number;
  /** `−lr / (1 − β₁ᵗ)`, the step with the first moment's bias correction. */
  step: number;
}

/**
 * What a device must provide. `S` is the backend's buffer type.
 */
export interface Backend<S = unknown> {
  /** The device name. */
  readonly name: DeviceName;
  /** Whether float64 buffers are supported. */
  readonly supportsFloat64: boolean;

  /** Copy host data into a new buffer. */
  upload(data: TypedArray): S;
  /** A new buffer of `size` elements, all `value`. */
  full(size: number, dtype: DType, value: number): S;
  /**
   * A dropout mask of `size` elements: element `i` is `keep` where the top
   * 24 bits of `counterHash(seed, i)` are at least `threshold`, else 0 (the
   * same mask on every device).
   */
  dropoutMask(size: number, seed: number, threshold: number, keep: number, dtype: DType): S;
  /** Copy a buffer back to the host. */
  read(buf: S, size: number, dtype: DType): Promise<TypedArray>;
  /** Copy a buffer back synchronously, where the device allows it. */
  readSync?(buf: S, size: number, dtype: DType): TypedArray;
  /** Return a buffer to the device. */
  release(buf: S): void;
  /** Convert between dtypes. */
  cast(buf: S, size: number, from: DType, to: DType): S;

  /** `out[i] = op(x[i])`. */
  unary(op: UnaryOp, x: S, size: number, dtype: DType): S;
  /** `out = op(a, b)` with NumPy broadcasting of `aShape` and `bShape` to `outShape`. */
  binary(op: BinaryOp, a: S, aShape: Shape, b: S, bShape: Shape, outShape: Shape, dtype: DType): S;
  /** `out = a + alpha·b` for two buffers of one shape (the update of every optimizer, fused). */
  axpy(a: S, b: S, alpha: number, size: number, dtype: DType): S;
  /** `a += alpha·b` in place, two buffers of one shape (an SGD step that keeps the weights' memory). */
  axpyInPlace(a: S, b: S, alpha: number, size: number, dtype: DType): void;
  /** `a = alpha·a + beta·b` in place, two buffers of one shape (running averages). */
  axpbyInPlace(a: S, b: S, alpha: number, beta: number, size: number, dtype: DType): void;
  /**
   * One Adam step in place (PyTorch's fused Adam), every operation rounded
   * as the composed ops round it: `m ← m·β₁ + (1−β₁)·g`,
   * `v ← v·β₂ + (1−β₂)·g²`, `p ← p + step·m / (√(v·vScale) + eps)`.
   */
  adamInPlace(p: S, g: S, m: S, v: S, size: number, dtype: DType, s: AdamScalars): void;
  /**
   * `target += alpha · Σ_i x[i, ·]` in place, `x` being `[rows, cols]` and
   * `target` `[cols]`: a bias's SGD step from its layer's δ. The same values
   * as the backend's own column sum and then `axpyInPlace`.
   */
  addRowSumInPlace(target: S, x: S, rows: number, cols: number, alpha: number, dtype: DType): void;
  /**
   * One step of SGD with momentum in place, as the composed ops round it:
   * `m ← m·momentum + step·g` (momentum an operand, rounded to the dtype),
   * then `p ← p + m`.
   */
  momentumInPlace(
    p: S,
    g: S,
    m: S,
    size: number,
    dtype: DType,
    momentum: number,
    step: number,
  ): void;
  /** `out = cond != 0 ? a : b`, all three broadcast to `outShape`. */
  where(
    cond: S,
    condShape: Shape,
    a: S,
    aShape: Shape,
    b: S,
    bShape: Shape,
    outShape: Shape,
    dtype: DType,
  ): S;
  /** Reduce the middle axis of an `[outer, n, inner]` view into `[outer, inner]`. */
  reduce(op: ReduceOp, x: S, outer: number, n: number, inner: number, dtype: DType): S;
  /**
   * Softmax over the middle axis of `[outer, n, inner]`: `e / Σe` with
   * `e = exp(x − max)`, each step rounded to the element type as the ops it
   * stands for (max, sub, exp, sum, div) round it.
   */
  softmax(x: S, outer: number, n: number, inner: number, dtype: DType): S;
  /**
   * One-hot rows `[n, classes]` of `n` class indices: 1 where the column is
   * the row's index, 0 elsewhere (a row of zeros for an index that is not a
   * whole number in `[0, classes)`, as comparing with each class gives).
   */
  oneHot(indices: S, n: number, classes: number, dtype: DType): S;
  /**
   * A classifier's running figures in one op, from probabilities `[rows,
   * classes]` and class indices `[rows]`: `[−Σᵣ log max(p[r, tᵣ], 1e-30),
   * Σᵣ (argmax p[r] = tᵣ)]` (two elements), rounded as the ops it stands for
   * (gather, maximum, log, sum, neg; argmax, eq, sum) round them. An index
   * outside `[0, classes)` is a RangeError where the backend can see it.
   */
  nllHits(probs: S, labels: S, rows: number, classes: number, dtype: DType): S;
  /**
   * Optional: the softmax cross-entropy of logits `[rows, classes]` against
   * class indices `[rows]` in one op: each row's `log Σ exp(x) − x[t]` and
   * the softmax rows its gradient needs. A backend whose dispatches cost more
   * than the arithmetic (a GPU) offers it; elsewhere the loss is composed.
   */
  crossEntropyRows?(
    logits: S,
    labels: S,
    rows: number,
    classes: number,
    dtype: DType,
  ): { loss: S; probs: S };
  /**
   * Optional: how many rows of `[rows, classes]` have their first largest
   * value at the row's class index, as one element (what argmax, eq and sum
   * give, in one op). Offered where dispatches cost more than the arithmetic.
   */
  argmaxHits?(scores: S, labels: S, rows: number, classes: number, dtype: DType): S;
  /** Optional, with `crossEntropyRows`: `∂logits = g[r]·(p[r, c] − [c = t_r])`. */
  crossEntropyRowsBackward?(
    probs: S,
    labels: S,
    g: S,
    rows: number,
    classes: number,
    dtype: DType,
  ): S;
  /** Batched matrix product; the result is `[batch, m, n]`. */
  matmul(a: S, b: S, spec: MatmulSpec, dtype: DType): S;
  /**
   * Optional: `op(A)·op(B)` (one matrix each) plus a bias, one value per row
   * of the result (`on: "rows"`, `[m]`) or per column (`"cols"`, `[n]`), as
   * the product and then the add would give it, in one op where dispatches
   * cost more than the arithmetic (a GPU).
   */
  matmulBias?(a: S, b: S, bias: S, spec: MatmulSpec, on: "rows" | "cols", dtype: DType): S;
  /**
   * `c += alpha · op(A)·op(B)` in place, `c` being `[batch, m, n]`: a weight
   * updated by its gradient's product without the gradient ever being stored.
   */
  matmulAccumulate(c: S, a: S, b: S, spec: MatmulSpec, alpha: number, dtype: DType): void;
  /**
   * Gather a strided view into a new contiguous buffer:
   * `out[i0,…] = x[offset + Σ i_d · strides[d]]`. Covers permute, expand and slice.
   */
  copyStrided(x: S, outShape: Shape, strides: readonly number[], offset: number, dtype: DType): S;
  /** Constant padding: `before[d]` elements before axis `d`; the result has `outShape`. */
  pad(
    x: S,
    shape: Shape,
    before: readonly number[],
    outShape: Shape,
    value: number,
    dtype: DType,
  ): S;
  /** Join `[outer, sizes[i], inner]` buffers along the middle axis. */
  concat(xs: readonly S[], outer: number, sizes: readonly number[], inner: number, dtype: DType): S;
  /** `out[o, j, i] = x[o, idx[o, j, i], i]` with `x` `[outer, n, inner]` and `idx` `[outer, k, inner]`. */
  gather(x: S, idx: S, outer: number, n: number, k: number, inner: number, dtype: DType): S;
  /**
   * Whole slices by position: `out[o, j, i] = x[o, positions[j], i]` with `positions` of length k
   * (gather with one index per slice: batching and row selection).
   */
  take(x: S, positions: S, outer: number, n: number, k: number, inner: number, dtype: DType): S;
  /** The adjoint of gather: `out[o, idx[o, j, i], i] += g[o, j, i]`, `out` `[outer, n, inner]`. */
  scatterAdd(g: S, idx: S, outer: number, n: number, k: number, inner: number, dtype: DType): S;
  /** im2col: `[N, C, H, W]` → `[N, C·kh·kw, outH·outW]`. */
  unfold(x: S, spec: UnfoldSpec, dtype: DType): S;
  /** col2im, the adjoint of unfold: sums every column entry back into its pixel. */
  fold(cols: S, spec: UnfoldSpec, dtype: DType): S;
  /**
   * Max over each window of an NCHW input (`spec.padValue` is ignored: padding never wins):
   * the maxima `[N, C, outH, outW]` and where each came from (the index `y·W + x` in its plane).
   */
  maxPool(x: S, spec: UnfoldSpec, dtype: DType): { out: S; argmax: S };
  /** The gradient of {@link Backend.maxPool}: each window's gradient goes to its maximum. */
  maxPoolBackward(g: S, argmax: S, spec: UnfoldSpec, dtype: DType): S;
  /**
   * Batch normalisation with batch statistics over `[N, C, inner]`: per channel the mean and
   * `1/√(var + eps)` (biased variance), and `y = (x − mean)·invstd·weight + bias`.
   */
  batchNorm(
    x: S,
    weight: S,
    bias: S,
    n: number,
    c: number,
    inner: number,
    eps: number,
    dtype: DType,
  ): { y: S; mean: S; invstd: S };
  /**
   * The gradient of {@link Backend.batchNorm}: with x̂ = (x − mean)·invstd and M = N·inner,
   * `dbias = Σg`, `dweight = Σg·x̂`, `dx = weight·invstd·(g − dbias/M − x̂·dweight/M)`.
   */
  batchNormBackward(
    g: S,
    x: S,
    mean: S,
    invstd: S,
    weight: S,
    n: number,
    c: number,
    inner: number,
    dtype: DType,
  ): { dx: S; dweight: S; dbias: S };
  /** Submit queued work, where the device queues it. */
  flush?(): void;
  /** Resolve once every submitted command has finished (timing, benchmarks). */
  sync?(): Promise<void>;
}
