/**
 * The CPU backend: plain TypeScript over typed arrays. It is the reference
 * implementation that works everywhere and that every other path is tested
 * against.
 *
 * @module
 */

import type {
  AdamScalars,
  Backend,
  BinaryOp,
  MatmulSpec,
  ReduceOp,
  UnaryOp,
  UnfoldSpec,
} from "../backend.ts";
import type { DType, TypedArray } from "../dtype.ts";
import { acquire, acquireOwn, release } from "./pool.ts";
import type { Shape } from "../shape.ts";
import {
  adamInPlace,
  axpbyInPlace,
  axpy,
  axpyInPlace,
  binary,
  momentumInPlace,
  unary,
  where,
} from "./elementwise.ts";
import { matmul, matmulAccumulate } from "./matmul.ts";
import { nllHits, oneHot } from "./nll.ts";
import { concat, copyStrided, gather, pad, scatterAdd, take } from "./movement.ts";
import { reduce } from "./reduce.ts";
import { softmax } from "./softmax.ts";
import { fold, maxPool, maxPoolBackward, unfold } from "./unfold.ts";
import { batchNorm, batchNormBackward } from "./batch_norm.ts";
import { dataArray } from "./wasm_memory.ts";
import { wasmDropoutMask } from "./wasm_elementwise.ts";
import { counterHash } from "../random.ts";

/** Uploads of this many elements or more stay out of the WebAssembly heap. */
const UPLOAD_HEAP_MAX_LENGTH = 1 << 20;

/** The CPU implementation of {@link Backend}; buffers are typed arrays. */
export class CpuBackend implements Backend<TypedArray> {
  readonly name = "cpu" as const;
  readonly supportsFloat64 = true;
  /** Buffers handed out and not yet released, for leak tests. */
  live = 0;

  #track<T extends TypedArray>(a: T): T {
    this.live++;
    return a;
  }

  upload(data: TypedArray): TypedArray {
    // a large array handed in is most likely a dataset, read in slices (which
    // the slicing ops copy into the heap): it stays out of the heap, which
    // never shrinks, in a WebAssembly memory of its own that batches are
    // copied from at memmove's speed (wasm_memory.ts: dataArray), or else in
    // ordinary memory given back the moment it is disposed
    const dtype = data instanceof Float64Array ? "float64" : "float32";
    const a = data.length < UPLOAD_HEAP_MAX_LENGTH
      ? acquire(dtype, data.length, false)
      : dataArray(dtype, data.length) ?? acquireOwn(dtype, data.length);
    a.set(data);
    return this.#track(a);
  }
  dropoutMask(
    size: number,
    seed: number,
    threshold: number,
    keep: number,
    dtype: DType,
  ): TypedArray {
    const a = acquire(dtype, size, false);
    if (!wasmDropoutMask(a, seed, threshold, keep)) {
      for (let i = 0; i < size; i++) a[i] = counterHash(seed, i) >>> 8 >= threshold ? keep : 0;
    }
    return this.#track(a);
  }
  full(size: number, dtype: DType, value: number): TypedArray {
    const a = acquire(dtype, size);
    if (value !== 0) a.fill(value);
    return this.#track(a);
  }
  read(buf: TypedArray): Promise<TypedArray> {
    return Promise.resolve(buf.slice());
  }
  readSync(buf: TypedArray): TypedArray {
    return buf.slice();
  }
  release(buf: TypedArray): void {
    this.live--;
    release(buf);
  }
  cast(buf: TypedArray, _size: number, _from: DType, to: DType): TypedArray {
    const a = acquire(to, buf.length, false);
    a.set(buf);
    return this.#track(a);
  }
  unary(op: UnaryOp, x: TypedArray, _size: number, dtype: DType): TypedArray {
    return this.#track(unary(op, x, dtype));
  }
  binary(
    op: BinaryOp,
    a: TypedArray,
    aShape: Shape,
    b: TypedArray,
    bShape: Shape,
    outShape: Shape,
    dtype: DType,
  ): TypedArray {
    return this.#track(binary(op, a, aShape, b, bShape, outShape, dtype));
  }
  axpy(a: TypedArray, b: TypedArray, alpha: number, _size: number, dtype: DType): TypedArray {
    return this.#track(axpy(a, b, alpha, dtype));
  }
  axpyInPlace(a: TypedArray, b: TypedArray, alpha: number): void {
    axpyInPlace(a, b, alpha);
  }
  axpbyInPlace(a: TypedArray, b: TypedArray, alpha: number, beta: number): void {
    axpbyInPlace(a, b, alpha, beta);
  }
  adamInPlace(
    p: TypedArray,
    g: TypedArray,
    m: TypedArray,
    v: TypedArray,
    _size: number,
    _dtype: DType,
    s: AdamScalars,
  ): void {
    adamInPlace(p, g, m, v, s);
  }
  addRowSumInPlace(
    target: TypedArray,
    x: TypedArray,
    rows: number,
    cols: number,
    alpha: number,
    dtype: DType,
  ): void {
    // the column sum and the axpy the caller would have made, without their tensors
    const sums = reduce("sum", x, 1, rows, cols, dtype);
    axpyInPlace(target, sums, alpha);
    release(sums);
  }
  momentumInPlace(
    p: TypedArray,
    g: TypedArray,
    m: TypedArray,
    _size: number,
    _dtype: DType,
    momentum: number,
    step: number,
  ): void {
    momentumInPlace(p, g, m, momentum, step);
  }
  where(
    c: TypedArray,
    cShape: Shape,
    a: TypedArray,
    aShape: Shape,
    b: TypedArray,
    bShape: Shape,
    outShape: Shape,
    dtype: DType,
  ): TypedArray {
    return this.#track(where(c, cShape, a, aShape, b, bShape, outShape, dtype));
  }
  reduce(
    op: ReduceOp,
    x: TypedArray,
    outer: number,
    n: number,
    inner: number,
    dtype: DType,
  ): TypedArray {
    return this.#track(reduce(op, x, outer, n, inner, dtype));
  }
  softmax(x: TypedArray, outer: number, n: number, inner: number, dtype: DType): TypedArray {
    return this.#track(softmax(x, outer, n, inner, dtype));
  }
  oneHot(indices: TypedArray, n: number, classes: number, dtype: DType): TypedArray {
    return this.#track(oneHot(indices, n, classes, dtype));
  }
  nllHits(
    probs: TypedArray,
    labels: TypedArray,
    rows: number,
    classes: number,
    dtype: DType,
  ): TypedArray {
    return this.#track(nllHits(probs, labels, rows, classes, dtype));
  }
  matmul(a: TypedArray, b: TypedArray, spec: MatmulSpec, dtype: DType): TypedArray {
    return this.#track(matmul(a, b, spec, dtype));
  }
  matmulAccumulate(
    c: TypedArray,
    a: TypedArray,
    b: TypedArray,
    spec: MatmulSpec,
    alpha: number,
    dtype: DType,
  ): void {
    matmulAccumulate(c, a, b, spec, alpha, dtype);
  }
  copyStrided(
    x: TypedArray,
    outShape: Shape,
    strides: readonly number[],
    offset: number,
    dtype: DType,
  ): TypedArray {
    return this.#track(copyStrided(x, outShape, strides, offset, dtype));
  }
  pad(
    x: TypedArray,
    shape: Shape,
    before: readonly number[],
    outShape: Shape,
    value: number,
    dtype: DType,
  ): TypedArray {
    return this.#track(pad(x, shape, before, outShape, value, dtype));
  }
  concat(
    xs: readonly TypedArray[],
    outer: number,
    sizes: readonly number[],
    inner: number,
    dtype: DType,
  ): TypedArray {
    return this.#track(concat(xs, outer, sizes, inner, dtype));
  }
  gather(
    x: TypedArray,
    idx: TypedArray,
    outer: number,
    n: number,
    k: number,
    inner: number,
    dtype: DType,
  ): TypedArray {
    return this.#track(gather(x, idx, outer, n, k, inner, dtype));
  }
  take(
    x: TypedArray,
    positions: TypedArray,
    outer: number,
    n: number,
    k: number,
    inner: number,
    dtype: DType,
  ): TypedArray {
    return this.#track(take(x, positions, outer, n, k, inner, dtype));
  }
  scatterAdd(
    g: TypedArray,
    idx: TypedArray,
    outer: number,
    n: number,
    k: number,
    inner: number,
    dtype: DType,
  ): TypedArray {
    return this.#track(scatterAdd(g, idx, outer, n, k, inner, dtype));
  }
  unfold(x: TypedArray, spec: UnfoldSpec, dtype: DType): TypedArray {
    return this.#track(unfold(x, spec, dtype));
  }
  fold(cols: TypedArray, spec: UnfoldSpec, dtype: DType): TypedArray {
    return this.#track(fold(cols, spec, dtype));
  }
  maxPool(x: TypedArray, spec: UnfoldSpec, dtype: DType): { out: TypedArray; argmax: TypedArray } {
    const r = maxPool(x, spec, dtype);
    return { out: this.#track(r.out), argmax: this.#track(r.argmax) };
  }
  maxPoolBackward(g: TypedArray, argmax: TypedArray, spec: UnfoldSpec, dtype: DType): TypedArray {
    return this.#track(maxPoolBackward(g, argmax, spec, dtype));
  }
  batchNorm(
    x: TypedArray,
    weight: TypedArray,
    bias: TypedArray,
    n: number,
    c: number,
    inner: number,
    eps: number,
    dtype: DType,
  ): { y: TypedArray; mean: TypedArray; invstd: TypedArray } {
    const r = batchNorm(x, weight, bias, n, c, inner, eps, dtype);
    return { y: this.#track(r.y), mean: this.#track(r.mean), invstd: this.#track(r.invstd) };
  }
  batchNormBackward(
    g: TypedArray,
    x: TypedArray,
    mean: TypedArray,
    invstd: TypedArray,
    weight: TypedArray,
    n: number,
    c: number,
    inner: number,
    dtype: DType,
  ): { dx: TypedArray; dweight: TypedArray; dbias: TypedArray } {
    const r = batchNormBackward(g, x, mean, invstd, weight, n, c, inner, dtype);
    return { dx: this.#track(r.dx), dweight: this.#track(r.dweight), dbias: this.#track(r.dbias) };
  }
}
