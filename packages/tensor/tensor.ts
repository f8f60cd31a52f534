/**
 * The `Tensor`: an n-dimensional array on a device, with reverse-mode autograd.
 *
 * Storage is contiguous and row-major and is shared by reference count
 * between handles (`reshape`, `detach` and the autograd tape share it).
 * `dispose()` (or `using`) gives a handle's share back at once; a handle that
 * is garbage-collected without it gives it back later. GPU memory therefore
 * returns to the pool deterministically when code disposes what it creates.
 *
 * @module
 */

import type { AdamScalars, Backend, DeviceName } from "./backend.ts";
import { type GradNode, isGradEnabled, runBackward } from "./autograd.ts";
import type { DType, TypedArray } from "./dtype.ts";
import { formatShape, type Shape, sizeOf } from "./shape.ts";
import * as ew from "./elementwise.ts";
import * as red from "./reduce.ts";
import * as mv from "./movement.ts";
import { addMatmulInPlace, matmul, type MatmulOptions } from "./matmul.ts";
import { gather } from "./indexing.ts";
import { logSoftmax, softmax } from "./activation.ts";

interface StorageRef {
  buf: unknown;
  refs: number;
  backend: Backend;
}

function releaseRef(ref: StorageRef): void {
  if (--ref.refs === 0) ref.backend.release(ref.buf);
}

const finalizer = new FinalizationRegistry<StorageRef>(releaseRef);

/** Passed to the constructor to make a second handle on existing storage. */
class SharedStorage {
  constructor(readonly ref: StorageRef) {}
}

/** A number or a tensor, as binary ops accept. */
export type TensorLike = Tensor | number;

/** Nested arrays of numbers, as `tensor()` accepts and `array()` returns. */
export type NestedArray = number | NestedArray[];

/**
 * An n-dimensional array with autograd.
 *
 * @example
 * ```ts
 * import { tensor } from "@recognize/tensor";
 * const x = tensor([[1, 2], [3, 4]]);
 * x.requiresGrad = true;
 * const loss = x.mul(x).sum();
 * loss.backward();
 * console.assert(x.grad!.dataSync().join() === "2,4,6,8");
 * ```
 */
export class Tensor {
  /** Extent of every axis. */
  readonly shape: readonly number[];
  /** Element type. */
  readonly dtype: DType;
  /** The device's backend. */
  readonly backend: Backend;
  /** Accumulated gradient, once `backward()` has reached this leaf. */
  grad: Tensor | null = null;
  #ref: StorageRef | null;
  #persistent = false;
  #requiresGrad = false;
  #node: GradNode | null = null;

  /**
   * Wrap a backend buffer. Most code uses `tensor()`, `zeros()` and the ops instead.
   *
   * @param buf A buffer the caller gives up ownership of.
   * @param shape The shape.
   * @param dtype The element type.
   * @param backend The backend that owns `buf`.
   */
  constructor(buf: unknown, shape: Shape, dtype: DType, backend: Backend) {
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.backend = backend;
    if (buf instanceof SharedStorage) {
      buf.ref.refs++;
      this.#ref = buf.ref;
    } else this.#ref = { buf, refs: 1, backend };
    finalizer.register(this, this.#ref, this);
  }

  /** The device name. */
  get device(): DeviceName {
    return this.backend.name;
  }
  /** Number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }
  /** Number of axes. */
  get rank(): number {
    return this.shape.length;
  }
  /** Whether `dispose()` has been called. */
  get isDisposed(): boolean {
    return this.#ref === null;
  }
  /** The op that produced this tensor, if it is part of a graph. */
  get node(): GradNode | null {
    return this.#node;
  }
  /** Whether gradients flow to this tensor. Only leaves may change it. */
  get requiresGrad(): boolean {
    return this.#requiresGrad;
  }
  set requiresGrad(value: boolean) {
    if (this.#node) {
      throw new Error(`Cannot change requiresGrad of a tensor computed by ${this.#node.op}`);
    }
    if (value && this.dtype !== "float32" && this.dtype !== "float64") {
      throw new TypeError(`Cannot require gradients of a ${this.dtype} tensor`);
    }
    this.#requiresGrad = value;
  }

  /**
   * The backend buffer, for backends and kernels.
   *
   * @throws {Error} After `dispose()`.
   */
  get buffer(): unknown {
    if (!this.#ref) {
      throw new Error(`Cannot use a tensor of shape ${formatShape(this.shape)} after dispose()`);
    }
    return this.#ref.buf;
  }

  /** Mark as never freed (cached constants). */
  makePersistent(): this {
    this.#persistent = true;
    finalizer.unregister(this);
    return this;
  }

  /** A new handle on the same storage (no copy, no graph). */
  share(): Tensor {
    return this.shareAs(this.shape);
  }

  /**
   * A handle on the same storage with another shape of equal size (no copy).
   *
   * @param shape The new shape.
   * @returns The reshaped handle (no graph).
   */
  shareAs(shape: Shape): Tensor {
    const ref = this.#ref;
    if (!ref) {
      throw new Error(`Cannot share a tensor of shape ${formatShape(this.shape)} after dispose()`);
    }
    return new Tensor(new SharedStorage(ref), shape, this.dtype, this.backend);
  }

  /** Give this handle's share of the storage back, and its gradient. Idempotent. */
  dispose(): void {
    if (this.#persistent || !this.#ref) return;
    finalizer.unregister(this);
    const ref = this.#ref;
    this.#ref = null;
    this.grad?.dispose();
    this.grad = null;
    releaseRef(ref);
  }

  /** For `using`. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Internal: attach the op that produced this tensor. */
  attachNode(node: GradNode): void {
    this.#node = node;
    this.#requiresGrad = true;
  }

  /** Internal: add `g` (which this call takes ownership of) to `.grad`. */
  accumulateGrad(g: Tensor): void {
    if (!this.grad) {
      this.grad = g;
      return;
    }
    const sum = this.grad.add(g);
    this.grad.dispose();
    g.dispose();
    this.grad = sum;
  }

  /**
   * Backpropagate from this tensor into every leaf that requires gradients.
   *
   * @param options `grad`: dL/d(this), required unless this is a scalar;
   *   `retainGraph`: keep the graph for another pass.
   */
  backward(options: { grad?: Tensor; retainGraph?: boolean } = {}): void {
    if (!this.#requiresGrad) {
      throw new Error("Cannot call backward() on a tensor that does not require gradients");
    }
    let seed = options.grad;
    if (seed) {
      if (seed.shape.join() !== this.shape.join()) {
        throw new TypeError(
          `Cannot backward() with a gradient of shape ${formatShape(seed.shape)} ` +
            `into a tensor of shape ${formatShape(this.shape)}`,
        );
      }
      runBackward(this, seed, options.retainGraph ?? false);
      return;
    }
    if (this.size !== 1) {
      throw new TypeError(
        `backward() without a gradient needs a single-element tensor, not ${
          formatShape(this.shape)
        }`,
      );
    }
    seed = new Tensor(this.backend.full(1, this.dtype, 1), this.shape, this.dtype, this.backend);
    try {
      runBackward(this, seed, options.retainGraph ?? false);
    } finally {
      seed.dispose();
    }
  }

  /** Drop the gradient. */
  zeroGrad(): void {
    this.grad?.dispose();
    this.grad = null;
  }

  /** A handle on the same storage outside the graph. */
  detach(): Tensor {
    return this.share();
  }

  /**
   * Replace this leaf's contents with `value`'s (shared, not copied): how
   * optimizers update parameters without breaking references to them.
   *
   * @param value A tensor of the same shape, dtype and device.
   */
  assign(value: Tensor): void {
    if (this.#node) throw new Error(`Cannot assign to a tensor computed by ${this.#node.op}`);
    if (value.shape.join() !== this.shape.join() || value.dtype !== this.dtype) {
      throw new TypeError(
        `Cannot assign a ${value.dtype} tensor of shape ${formatShape(value.shape)} ` +
          `to a ${this.dtype} tensor of shape ${formatShape(this.shape)}`,
      );
    }
    if (value.backend !== this.backend) {
      throw new TypeError(`Cannot assign a ${value.device} tensor to a ${this.device} tensor`);
    }
    const old = this.#ref;
    if (!old) throw new Error("Cannot assign to a disposed tensor");
    const ref = value.#ref;
    if (!ref) throw new Error("Cannot assign from a disposed tensor");
    ref.refs++;
    this.#ref = ref;
    finalizer.unregister(this);
    finalizer.register(this, ref, this);
    releaseRef(old);
  }

  /**
   * `this += alpha·other` in place (PyTorch's `add_(other, alpha=)`): an
   * SGD step that keeps the weights where they are. Every handle sharing
   * this storage sees the change, a graph that saved it too (step after
   * `backward()`, as optimizers do); `clone()` first to keep the old values.
   *
   * @param other A tensor of the same shape, dtype and device.
   * @param alpha The scale.
   * @returns This tensor.
   * @example
   * ```ts
   * import { tensor } from "@recognize/tensor";
   * const w = tensor([1, 2]);
   * w.addScaledInPlace(tensor([10, 10]), -0.5);
   * console.assert(w.dataSync().join() === "-4,-3");
   * ```
   */
  addScaledInPlace(other: Tensor, alpha: number): this {
    this.#checkWritable("addScaledInPlace");
    ew.addScaledInPlace(this, other, alpha);
    return this;
  }

  /**
   * `this += alpha · other.sum(0)` in place, without the sum's tensor: a
   * bias's SGD step from its layer's δ (`b.addSumInPlace(delta, -lr)`). The
   * same values as the sum then {@link Tensor.addScaledInPlace}; on a GPU one
   * dispatch instead of two where the sum takes a thread a column.
   *
   * @param other `[n, ...this.shape]`.
   * @param alpha The sum's scale.
   * @returns This tensor.
   * @example
   * ```ts
   * import { tensor } from "@recognize/tensor";
   * const b = tensor([1, 2]);
   * b.addSumInPlace(tensor([[1, 10], [3, 30]]), -0.5);
   * console.assert(b.dataSync().join() === "-1,-18");
   * ```
   */
  addSumInPlace(other: Tensor, alpha: number): this {
    this.#checkWritable("addSumInPlace");
    ew.addSumInPlace(this, other, alpha);
    return this;
  }

  /**
   * `this = alpha·this + beta·other` in place, in one pass (PyTorch's
   * `mul_(alpha).add_(other, alpha=beta)`): a running average that keeps its
   * storage (batch norm's statistics).
   *
   * @param alpha This tensor's scale.
   * @param other A tensor of the same shape, dtype and device (not this one's storage).
   * @param beta Its scale.
   * @returns This tensor.
   * @example
   * ```ts
   * import { tensor } from "@recognize/tensor";
   * const running = tensor([1, 2]);
   * running.scaleAddInPlace(0.9, tensor([11, 12]), 0.1);
   * console.assert(Math.abs(running.dataSync()[0] - 2) < 1e-6);
   * ```
   */
  scaleAddInPlace(alpha: number, other: Tensor, beta: number): this {
    this.#checkWritable("scaleAddInPlace");
    ew.scaleAddInPlace(this, alpha, other, beta);
    return this;
  }

  /**
   * One Adam step on this tensor, its moments `m` and `v` updated with it, all
   * in place (PyTorch's fused Adam): `m ← β₁·m + (1−β₁)·grad`,
   * `v ← β₂·v + (1−β₂)·grad²`, `this ← this + step·m / (√(v·vScale) + eps)`.
   * One pass instead of ten ops, and the storage of all three kept (on a GPU,
   * the kept bind groups fit every step). The same bits as those ops on the CPU.
   *
   * @param grad The gradient: same shape, dtype and device.
   * @param m The first moment, updated.
   * @param v The second moment, updated.
   * @param s The step's constants.
   * @returns This tensor.
   * @example
   * ```ts
   * import { tensor, zeros } from "@recognize/tensor";
   * const w = tensor([1, 2]), m = zeros([2]), v = zeros([2]);
   * // the first step (t = 1): a step of lr = 0.1 against the gradient's sign
   * w.adamStepInPlace(tensor([0.5, -3]), m, v, {
   *   beta1: 0.9, beta2: 0.999, vScale: 1 / (1 - 0.999), eps: 1e-8, step: -0.1 / (1 - 0.9),
   * });
   * console.assert(Math.abs(w.dataSync()[0] - 0.9) < 1e-6 && Math.abs(w.dataSync()[1] - 2.1) < 1e-6);
   * ```
   */
  adamStepInPlace(grad: Tensor, m: Tensor, v: Tensor, s: AdamScalars): this {
    this.#checkWritable("adamStepInPlace");
    m.#checkWritable("adamStepInPlace (first moment)");
    v.#checkWritable("adamStepInPlace (second moment)");
    ew.adamStepInPlace(this, grad, m, v, s);
    return this;
  }

  /**
   * One step of SGD with momentum on this tensor, its velocity `m` updated
   * with it, both in place (the homework's form): `m ← momentum·m + step·grad`,
   * `this ← this + m`, with `step` = −lr. One pass instead of three ops and a
   * new velocity each step; the same bits as those ops on the CPU.
   *
   * @param grad The gradient: same shape, dtype and device.
   * @param m The velocity, updated.
   * @param momentum The velocity's decay (0.9 in the homework).
   * @param step The gradient's scale: minus the learning rate.
   * @returns This tensor.
   * @example
   * ```ts
   * import { tensor, zeros } from "@recognize/tensor";
   * const w = tensor([1, 2]), m = zeros([2]);
   * w.momentumStepInPlace(tensor([10, -10]), m, 0.9, -0.1); // m = [-1, 1]
   * w.momentumStepInPlace(tensor([0, 0]), m, 0.9, -0.1); // m = [-0.9, 0.9]
   * console.assert(Math.abs(w.dataSync()[0] + 0.9) < 1e-6 && Math.abs(w.dataSync()[1] - 3.9) < 1e-6);
   * ```
   */
  momentumStepInPlace(grad: Tensor, m: Tensor, momentum: number, step: number): this {
    this.#checkWritable("momentumStepInPlace");
    m.#checkWritable("momentumStepInPlace (velocity)");
    ew.momentumStepInPlace(this, grad, m, momentum, step);
    return this;
  }

  /**
   * `this += alpha · op(a)·op(b)` in place (PyTorch's `addmm_`): a weight's
   * SGD step straight from the product that is its gradient,
   * `w.addMatmulInPlace(x, delta, -lr, { transA: true })`, with no gradient
   * tensor made (the system BLAS adds the product as it computes it).
   *
   * @param a The first factor.
   * @param b The second factor; the product must have this tensor's shape.
   * @param alpha The product's scale.
   * @param options Transposition flags, as for {@link Tensor.matmul}.
   * @returns This tensor.
   * @example
   * ```ts
   * import { tensor } from "@recognize/tensor";
   * const w = tensor([[1, 1]]);
   * w.addMatmulInPlace(tensor([[2]]), tensor([[3, 4]]), 0.5);
   * console.assert(w.dataSync().join() === "4,5");
   * ```
   */
  addMatmulInPlace(a: Tensor, b: Tensor, alpha: number, options?: MatmulOptions): this {
    this.#checkWritable("addMatmulInPlace");
    addMatmulInPlace(this, a, b, alpha, options);
    return this;
  }

  /** Throw unless this tensor may be changed in place. */
  #checkWritable(op: string): void {
    const what = `${op} on a tensor of shape ${formatShape(this.shape)}`;
    if (!this.#ref) throw new Error(`Cannot ${what} after dispose()`);
    if (this.#persistent) throw new Error(`Cannot ${what}: it is a shared constant`);
    if (this.#node) {
      throw new Error(`Cannot ${what}: it was computed by ${this.#node.op} and a graph needs it`);
    }
    if (this.#requiresGrad && isGradEnabled()) {
      throw new Error(
        `Cannot ${what} that requires gradients while they are recorded: update it under noGrad()`,
      );
    }
  }

  /** Copy the elements to the host. */
  async data(): Promise<TypedArray> {
    return await this.backend.read(this.buffer, this.size, this.dtype);
  }

  /**
   * Copy the elements to the host synchronously (CPU tensors only).
   *
   * @throws {Error} On a device that reads back asynchronously.
   */
  dataSync(): TypedArray {
    if (!this.backend.readSync) {
      throw new Error(`Cannot read a ${this.device} tensor synchronously: use await t.data()`);
    }
    return this.backend.readSync(this.buffer, this.size, this.dtype);
  }

  /** The single element of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) {
      throw new TypeError(`item() needs a single-element tensor, not ${formatShape(this.shape)}`);
    }
    return (await this.data())[0];
  }

  /** The elements as nested arrays. */
  async array(): Promise<NestedArray> {
    const flat = await this.data();
    const build = (axis: number, offset: number): NestedArray => {
      if (axis === this.rank) return flat[offset];
      const stride = sizeOf(this.shape.slice(axis + 1));
      return Array.from(
        { length: this.shape[axis] },
        (_, i) => build(axis + 1, offset + i * stride),
      );
    };
    return build(0, 0);
  }

  /**
   * A copy on another device.
   *
   * @param backend The target backend.
   * @returns The copy (outside the graph).
   */
  async to(backend: Backend): Promise<Tensor> {
    if (backend === this.backend) return this.share();
    if (this.dtype === "float64" && !backend.supportsFloat64) {
      throw new TypeError(
        `Cannot move a float64 tensor to ${backend.name}: cast it to float32 first`,
      );
    }
    const host = await this.data();
    return new Tensor(backend.upload(host), this.shape, this.dtype, backend);
  }

  /**
   * Convert to another dtype (differentiable).
   *
   * @param dtype The target dtype.
   * @returns The converted tensor, or a shared handle when the dtype is unchanged.
   */
  cast(dtype: DType): Tensor {
    return ew.cast(this, dtype);
  }

  /** A short description. */
  toString(): string {
    return `Tensor(${formatShape(this.shape)}, ${this.dtype}, ${this.device}${
      this.isDisposed ? ", disposed" : ""
    })`;
  }

  // ---- elementwise --------------------------------------------------------
  /** `-x` */
  neg(): Tensor {
    return ew.neg(this);
  }
  /** `eˣ` */
  exp(): Tensor {
    return ew.exp(this);
  }
  /** Natural logarithm. */
  log(): Tensor {
    return ew.log(this);
  }
  /** Square root. */
  sqrt(): Tensor {
    return ew.sqrt(this);
  }
  /** Absolute value. */
  abs(): Tensor {
    return ew.abs(this);
  }
  /** -1, 0 or 1 (not differentiable). */
  sign(): Tensor {
    return ew.sign(this);
  }
  /** `1 / (1 + e⁻ˣ)` */
  sigmoid(): Tensor {
    return ew.sigmoid(this);
  }
  /** Hyperbolic tangent. */
  tanh(): Tensor {
    return ew.tanh(this);
  }
  /** `max(x, 0)` */
  relu(): Tensor {
    return ew.relu(this);
  }
  /** `x²` */
  square(): Tensor {
    return ew.mul(this, this);
  }
  /** Elementwise sum, broadcasting. */
  add(other: TensorLike): Tensor {
    return ew.add(this, other);
  }
  /** Elementwise difference, broadcasting. */
  sub(other: TensorLike): Tensor {
    return ew.sub(this, other);
  }
  /** Elementwise product, broadcasting. */
  mul(other: TensorLike): Tensor {
    return ew.mul(this, other);
  }
  /** `this + alpha·other` for tensors of one shape, fused (optimizer updates). */
  addScaled(other: Tensor, alpha: number): Tensor {
    return ew.addScaled(this, other, alpha);
  }
  /** Elementwise quotient, broadcasting. */
  div(other: TensorLike): Tensor {
    return ew.div(this, other);
  }
  /** Elementwise power, broadcasting. */
  pow(other: TensorLike): Tensor {
    return ew.pow(this, other);
  }
  /** Elementwise maximum (ties split the gradient evenly). */
  maximum(other: TensorLike): Tensor {
    return ew.maximum(this, other);
  }
  /** Elementwise minimum (ties split the gradient evenly). */
  minimum(other: TensorLike): Tensor {
    return ew.minimum(this, other);
  }
  /** Clamp into `[low, high]`. */
  clamp(low: number, high: number): Tensor {
    return ew.clamp(this, low, high);
  }
  /** 1 where equal, else 0. */
  eq(other: TensorLike): Tensor {
    return ew.compare("eq", this, other);
  }
  /** 1 where not equal, else 0. */
  ne(other: TensorLike): Tensor {
    return ew.compare("ne", this, other);
  }
  /** 1 where less, else 0. */
  lt(other: TensorLike): Tensor {
    return ew.compare("lt", this, other);
  }
  /** 1 where less or equal, else 0. */
  le(other: TensorLike): Tensor {
    return ew.compare("le", this, other);
  }
  /** 1 where greater, else 0. */
  gt(other: TensorLike): Tensor {
    return ew.compare("gt", this, other);
  }
  /** 1 where greater or equal, else 0. */
  ge(other: TensorLike): Tensor {
    return ew.compare("ge", this, other);
  }

  // ---- reductions ---------------------------------------------------------
  /** Sum over `axis` (all axes when omitted). */
  sum(axis?: number | number[], keepDims = false): Tensor {
    return red.sum(this, axis, keepDims);
  }
  /** Mean over `axis` (all axes when omitted). */
  mean(axis?: number | number[], keepDims = false): Tensor {
    return red.mean(this, axis, keepDims);
  }
  /** Maximum over `axis` (all axes when omitted). */
  max(axis?: number | number[], keepDims = false): Tensor {
    return red.max(this, axis, keepDims);
  }
  /** Minimum over `axis` (all axes when omitted). */
  min(axis?: number | number[], keepDims = false): Tensor {
    return red.min(this, axis, keepDims);
  }
  /** Index of the first maximum along `axis` (as numbers of this dtype). */
  argmax(axis: number, keepDims = false): Tensor {
    return red.argReduce("argmax", this, axis, keepDims);
  }
  /** Index of the first minimum along `axis`. */
  argmin(axis: number, keepDims = false): Tensor {
    return red.argReduce("argmin", this, axis, keepDims);
  }

  // ---- linear algebra -----------------------------------------------------
  /** Batched matrix product with optional transposed operands. */
  matmul(other: Tensor, options?: MatmulOptions): Tensor {
    return matmul(this, other, options);
  }

  // ---- movement -----------------------------------------------------------
  /** A copy with storage of its own (in-place updates of either leave the other). */
  clone(): Tensor {
    return mv.clone(this);
  }
  /** Same elements, another shape (one extent may be -1). No copy. */
  reshape(shape: Shape): Tensor {
    return mv.reshape(this, shape);
  }
  /** Merge axes `start … end` into one. */
  flatten(start = 0, end = -1): Tensor {
    return mv.flatten(this, start, end);
  }
  /** Remove axis `axis` of extent 1 (all such axes when omitted). */
  squeeze(axis?: number): Tensor {
    return mv.squeeze(this, axis);
  }
  /** Insert an axis of extent 1 at `axis`. */
  unsqueeze(axis: number): Tensor {
    return mv.unsqueeze(this, axis);
  }
  /** Reorder axes. */
  permute(perm: readonly number[]): Tensor {
    return mv.permute(this, perm);
  }
  /** Swap two axes (the last two by default). */
  transpose(a = -2, b = -1): Tensor {
    return mv.transpose(this, a, b);
  }
  /** Broadcast to a larger shape (copies). */
  expand(shape: Shape): Tensor {
    return mv.expand(this, shape);
  }
  /** The block `begin[d] ≤ i_d < end[d]`; missing axes are taken whole, negatives count from the end. */
  slice(begin: readonly number[], end?: readonly (number | undefined)[]): Tensor {
    return mv.slice(this, begin, end);
  }
  /** Constant padding, `[before, after]` per axis from the first. */
  pad(pads: readonly (readonly [number, number])[], value = 0): Tensor {
    return mv.pad(this, pads, value);
  }
  /** `out[…, j, …] = x[…, index[…, j, …], …]` along `axis`. */
  gather(axis: number, index: Tensor): Tensor {
    return gather(this, axis, index);
  }
  /** Softmax along `axis`, stable. */
  softmax(axis = -1): Tensor {
    return softmax(this, axis);
  }
  /** Log-softmax along `axis`, stable. */
  logSoftmax(axis = -1): Tensor {
    return logSoftmax(this, axis);
  }
}
