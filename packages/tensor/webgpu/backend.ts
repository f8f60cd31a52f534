/**
 * The WebGPU backend: float32 buffers from a pool, one WGSL kernel (or a
 * small family) per primitive, and one open command encoder that collects
 * dispatches until a read-back, an explicit `flush()`, or
 * {@link WebGpuBackend.submitEvery} of them: nothing waits inside a training
 * step, and the GPU runs what was submitted while the host encodes what
 * follows (with one submit an epoch, the GPU would idle while the host
 * encodes it, then the host while the GPU runs it).
 *
 * Kernel parameters go into a uniform ring: each dispatch takes a 256-byte
 * slot, and the host copy is written just before the submit that uses it.
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
import { broadcastStrides, type Shape, sizeOf, stridesOf } from "../shape.ts";
import { coalesce } from "../strided.ts";
import { type Kernel, MAX_RANK, PARAM_WORDS } from "./kernels/_common.ts";
import { dropoutMaskKernel, fillKernel, unaryKernel } from "./kernels/unary.wgsl.ts";
import {
  adamInPlaceKernel,
  axpbyInPlaceKernel,
  axpyInPlaceKernel,
  axpyKernel,
  binaryKernel,
  momentumInPlaceKernel,
  whereKernel,
} from "./kernels/binary.wgsl.ts";
import {
  addRowSumKernel,
  argmaxHitsKernel,
  crossEntropyRowsBackwardKernel,
  crossEntropyRowsKernel,
  nllHitsKernel,
  reduceGroupKernel,
  reduceThreadKernel,
  sliceSumKernel,
  softmaxThreadKernel,
} from "./kernels/reduce.wgsl.ts";
import {
  chooseTiling,
  kSlice,
  type MatmulEpilogue,
  matmulKernel,
  type MatmulTiling,
  splitK,
} from "./kernels/matmul.wgsl.ts";
import {
  concatPieceKernel,
  copyStridedKernel,
  gatherKernel,
  oneHotKernel,
  padKernel,
  scatterAddKernel,
  takeKernel,
} from "./kernels/movement.wgsl.ts";
import {
  foldKernel,
  maxPoolBackwardKernel,
  maxPoolKernel,
  unfoldKernel,
} from "./kernels/unfold.wgsl.ts";
import { BufferPool, type GpuBuffer, type PoolStats } from "./pool.ts";
import {
  batchNormApplyKernel,
  batchNormGradSumsKernel,
  batchNormInputGradKernel,
  batchNormStatsKernel,
} from "./kernels/batch_norm.wgsl.ts";

const SLOT = 256;
/** Slots of the parameter ring: the most dispatches one submit can hold. */
const RING_SLOTS = 4096;
const MAX_WG = 65535;
/** Bind groups kept before the cache starts over. */
const BIND_GROUP_CACHE = 4096;

/** Bind groups kept under a layout: a level per binding, keyed by buffer id. */
type BindGroupTree = Map<number, BindGroupTree | GPUBindGroup>;

/** A bind group layout for one pattern of storage access, its pipeline layout, its bind groups. */
interface Layout {
  /** One letter per storage binding: `r` read-only, `w` read-write. */
  access: string;
  group: GPUBindGroupLayout;
  pipeline: GPUPipelineLayout;
  groups: BindGroupTree;
}

/** How a product is cut into dispatches. */
interface MatmulPlan {
  tiling: MatmulTiling;
  /** Workgroups across the columns and rows of C. */
  gx: number;
  gy: number;
  /** Slices of K (1: no split). */
  slices: number;
  /** Row lengths of A and B as stored. */
  ldA: number;
  ldB: number;
}

interface Pipeline {
  pipeline: GPUComputePipeline;
  layout: Layout;
}

/** How a kernel declares each storage binding after the parameter block, as `r`/`w` letters. */
function storageAccess(kernel: Kernel): string {
  const access = new Array<string>(kernel.bindings).fill("?");
  for (const m of kernel.code.matchAll(/@binding\((\d+)\)\s*var<storage,\s*(read_write|read)>/g)) {
    access[Number(m[1]) - 1] = m[2] === "read" ? "r" : "w";
  }
  if (access.includes("?")) {
    throw new Error(
      `internal: a kernel declares ${access.join("")} of its ${kernel.bindings} bindings`,
    );
  }
  return access.join("");
}

/** Split `groups` workgroups over x and y, each at most 65,535. */
export function grid(groups: number): [number, number] {
  if (groups <= MAX_WG) return [Math.max(groups, 1), 1];
  const y = Math.ceil(groups / MAX_WG);
  return [Math.ceil(groups / y), y];
}

const bitsF32 = new Float32Array(1), bitsU32 = new Uint32Array(bitsF32.buffer);

/** The bits of `v` as a float32, as a u32 parameter word. */
function f32Bits(v: number): number {
  bitsF32[0] = v;
  return bitsU32[0];
}

/**
 * Whether a reduction of `n` values into each of `outputs` sums takes a
 * thread an output, adding its values in order (many outputs, or short
 * rows), rather than a workgroup an output (few outputs with long rows, where
 * one thread waiting on each value in turn would be slow). The fused kernels
 * that end in such a sum follow the same rule, so they add in the same order.
 */
function threadPerOutput(outputs: number, n: number): boolean {
  return outputs >= 2048 || n < 64;
}

/** Whether a product is split over K and its slices' sum takes a thread an output (so an epilogue can join it). */
function sumsSlicesInOrder(spec: MatmulSpec, plan: MatmulPlan): boolean {
  return plan.slices > 1 && threadPerOutput(spec.m * spec.n, plan.slices);
}

/** The WebGPU implementation of {@link Backend}. */
export class WebGpuBackend implements Backend<GpuBuffer> {
  readonly name = "webgpu" as const;
  readonly supportsFloat64 = false;
  /** The device. */
  readonly device: GPUDevice;
  /** A description of the adapter. */
  readonly adapterInfo: string;
  readonly #pool: BufferPool;
  readonly #maxBinding: number;
  #pipelines = new Map<string, Pipeline>();
  #layouts = new Map<string, Layout>();
  #bindGroupsKept = 0;
  #encoder: GPUCommandEncoder | null = null;
  #pass: GPUComputePassEncoder | null = null;
  #ring: GPUBuffer;
  #ringHost = new Uint32Array((SLOT / 4) * RING_SLOTS);
  #slots = 0;
  #submits = 0;
  #settledAt = 0;
  #dispatches = 0;
  #errors: string[] = [];
  /** Most matrices one matmul dispatch covers (the z dimension's limit); tests lower it. */
  maxBatchPerDispatch = MAX_WG;
  /** A matmul tiling to use for every shape instead of the chosen one (benchmarks, tests). */
  matmulTiling: MatmulTiling | null = null;
  /** Whether long-K products of few blocks are split over K (benchmarks turn it off to compare). */
  matmulSplitK = true;
  /**
   * Dispatches encoded before they are submitted (at most 4,096). A Vulkan
   * submit costs about what encoding costs (lavapipe: 0.24 ms for 256
   * dispatches, 1.4 ms for 2,048), so submitting often is cheap, and it lets
   * the GPU start on an epoch's first steps while the host encodes the rest.
   */
  submitEvery = 256;

  constructor(device: GPUDevice, adapterInfo: string) {
    this.device = device;
    this.adapterInfo = adapterInfo;
    this.#pool = new BufferPool(device);
    this.#maxBinding = device.limits.maxStorageBufferBindingSize;
    this.#ring = device.createBuffer({
      size: SLOT * RING_SLOTS,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    device.addEventListener("uncapturederror", (e) => {
      const message = (e as GPUUncapturedErrorEvent).error.message;
      this.#errors.push(message);
      console.error(`WebGPU error: ${message}`);
    });
  }

  /** Pool figures: bytes in use and allocated. */
  memory(): PoolStats {
    return this.#pool.stats();
  }

  /** Submits and dispatches so far, for tests of batching. */
  counters(): { submits: number; dispatches: number } {
    return { submits: this.#submits, dispatches: this.#dispatches };
  }

  /** Free every pooled buffer that is not in use. */
  trim(): void {
    this.flush();
    this.#forgetBindGroups(); // they hold the buffers the pool is about to destroy
    this.#pool.trim();
  }

  #alloc(elements: number, forUpload = false): GpuBuffer {
    const bytes = Math.max(elements, 1) * 4;
    if (bytes > this.#maxBinding) {
      throw new RangeError(
        `Cannot allocate ${bytes} bytes on WebGPU: this adapter binds at most ${this.#maxBinding} bytes per buffer`,
      );
    }
    return this.#pool.acquire(bytes, forUpload);
  }

  #pipeline(kernel: Kernel): Pipeline {
    let p = this.#pipelines.get(kernel.code);
    if (!p) {
      const access = storageAccess(kernel);
      let layout = this.#layouts.get(access);
      if (!layout) {
        // the parameter block at a dynamic offset into the ring, then the
        // storage buffers as the kernel declares them
        const group = this.device.createBindGroupLayout({
          entries: [
            {
              binding: 0,
              visibility: GPUShaderStage.COMPUTE,
              buffer: { type: "uniform", hasDynamicOffset: true },
            },
            ...[...access].map((a, k) => ({
              binding: k + 1,
              visibility: GPUShaderStage.COMPUTE,
              buffer: { type: a === "w" ? "storage" as const : "read-only-storage" as const },
            })),
          ],
        });
        const pipeline = this.device.createPipelineLayout({ bindGroupLayouts: [group] });
        layout = { access, group, pipeline, groups: new Map() };
        this.#layouts.set(access, layout);
      }
      const module = this.device.createShaderModule({ code: kernel.code });
      p = {
        pipeline: this.device.createComputePipeline({
          layout: layout.pipeline,
          compute: { module, entryPoint: "main" },
        }),
        layout,
      };
      this.#pipelines.set(kernel.code, p);
    }
    return p;
  }

  /**
   * The bind group of these buffers under a layout. A training loop binds
   * the same pooled buffers step after step, and making a bind group costs
   * more on the host than encoding the dispatch, so they are kept (until a
   * trim destroys buffers, or too many have piled up).
   */
  #bindGroup(layout: Layout, buffers: readonly GpuBuffer[]): GPUBindGroup {
    // a tree of maps under the layout, one level per binding, keyed by buffer id
    let node = layout.groups;
    const last = buffers.length - 1;
    for (let i = 0; i < last; i++) {
      let next = node.get(buffers[i].id) as BindGroupTree | undefined;
      if (!next) node.set(buffers[i].id, next = new Map());
      node = next;
    }
    let group = node.get(buffers[last].id) as GPUBindGroup | undefined;
    if (!group) {
      if (this.#bindGroupsKept >= BIND_GROUP_CACHE) {
        this.#forgetBindGroups();
        return this.#bindGroup(layout, buffers);
      }
      group = this.device.createBindGroup({
        layout: layout.group,
        entries: [
          { binding: 0, resource: { buffer: this.#ring, offset: 0, size: SLOT } },
          ...buffers.map((b, k) => ({ binding: k + 1, resource: { buffer: b.buffer } })),
        ],
      });
      node.set(buffers[last].id, group);
      this.#bindGroupsKept++;
    }
    return group;
  }

  #forgetBindGroups(): void {
    for (const layout of this.#layouts.values()) layout.groups = new Map();
    this.#bindGroupsKept = 0;
  }

  /** Encode one dispatch. `params` are u32 words (floats pre-converted). */
  #dispatch(
    kernel: Kernel,
    params: readonly number[],
    buffers: readonly GpuBuffer[],
    groups: [number, number, number],
  ): void {
    if (params.length > PARAM_WORDS) throw new Error("internal: too many kernel parameters");
    if (buffers.length !== kernel.bindings) throw new Error("internal: wrong number of bindings");
    if (this.#slots >= Math.min(this.submitEvery, RING_SLOTS)) this.flush();
    const slot = this.#slots++;
    const base = (slot * SLOT) / 4;
    for (let i = 0; i < params.length; i++) this.#ringHost[base + i] = params[i] >>> 0;
    const { pipeline, layout } = this.#pipeline(kernel);
    const bindGroup = this.#bindGroup(layout, buffers);
    this.#encoder ??= this.device.createCommandEncoder();
    this.#pass ??= this.#encoder.beginComputePass();
    this.#pass.setPipeline(pipeline);
    this.#pass.setBindGroup(0, bindGroup, [slot * SLOT]);
    this.#pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
    this.#dispatches++;
  }

  /** An element-wise dispatch over `n` elements into a new buffer. */
  #elementwise(kernel: Kernel, n: number, params: readonly number[], inputs: GpuBuffer[]) {
    const out = this.#alloc(n);
    this.#dispatchThreads(kernel, n, params, [...inputs, out]);
    return out;
  }

  /** Dispatch one thread per item over a 2-D grid, `items` the first parameter word (none when 0). */
  #dispatchThreads(
    kernel: Kernel,
    items: number,
    params: readonly number[],
    buffers: readonly GpuBuffer[],
  ): void {
    if (items === 0) return;
    const [x, y] = grid(Math.ceil(items / kernel.workgroupSize));
    this.#dispatch(kernel, [items, ...params], buffers, [x, y, 1]);
  }

  /**
   * Whether work may still be running: something was encoded or submitted
   * since the queue was last seen idle.
   */
  get unsettled(): boolean {
    return this.#encoder !== null || this.#submits !== this.#settledAt;
  }

  /** Submit what is encoded and wait until the queue is idle. */
  async settle(): Promise<void> {
    this.flush();
    const upTo = this.#submits;
    try {
      await this.device.queue.onSubmittedWorkDone();
    } finally {
      this.#settledAt = upTo; // a lost device has nothing left to run either
    }
  }

  /** Submit everything encoded so far. */
  flush(): void {
    if (!this.#encoder) return;
    this.#pass?.end();
    this.#pass = null;
    if (this.#slots > 0) {
      this.device.queue.writeBuffer(this.#ring, 0, this.#ringHost, 0, (this.#slots * SLOT) / 4);
    }
    this.device.queue.submit([this.#encoder.finish()]);
    this.#encoder = null;
    this.#slots = 0;
    this.#submits++;
    this.#pool.submitted();
  }

  /** Submit pending work and wait until the GPU has finished it. */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
  }

  upload(data: TypedArray): GpuBuffer {
    const f32 = data instanceof Float32Array ? data : Float32Array.from(data);
    const out = this.#alloc(f32.length, true);
    if (f32.length > 0) {
      this.device.queue.writeBuffer(out.buffer, 0, f32 as Float32Array<ArrayBuffer>);
    }
    return out;
  }

  full(size: number, _dtype: DType, value: number): GpuBuffer {
    return this.#elementwise(fillKernel, size, [f32Bits(value)], []);
  }
  dropoutMask(size: number, seed: number, threshold: number, keep: number): GpuBuffer {
    return this.#elementwise(dropoutMaskKernel, size, [seed >>> 0, threshold, f32Bits(keep)], []);
  }

  async read(buf: GpuBuffer, size: number): Promise<TypedArray> {
    const bytes = size * 4;
    if (bytes === 0) return new Float32Array(0);
    const staging = this.device.createBuffer({
      size: bytes,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    this.#pass?.end();
    this.#pass = null;
    this.#encoder ??= this.device.createCommandEncoder();
    this.#encoder.copyBufferToBuffer(buf.buffer, 0, staging, 0, bytes);
    this.flush();
    await staging.mapAsync(GPUMapMode.READ);
    const result = new Float32Array(staging.getMappedRange().slice(0));
    staging.unmap();
    staging.destroy();
    if (this.#errors.length > 0) {
      const message = this.#errors.splice(0).join("; ");
      throw new Error(`WebGPU reported errors: ${message}`);
    }
    return result;
  }

  release(buf: GpuBuffer): void {
    this.#pool.release(buf);
  }

  cast(buf: GpuBuffer, size: number, from: DType, to: DType): GpuBuffer {
    if (from !== "float32" || to !== "float32") {
      throw new TypeError(`WebGPU supports float32 only, cannot cast ${from} to ${to}`);
    }
    return this.copyStrided(buf, [size], [1], 0);
  }

  unary(op: UnaryOp, x: GpuBuffer, size: number): GpuBuffer {
    return this.#elementwise(unaryKernel(op), size, [], [x]);
  }

  #stridedParams(shape: Shape, operandStrides: number[][]): number[] {
    const c = coalesce(shape, [stridesOf(shape), ...operandStrides]);
    if (c.shape.length > MAX_RANK) {
      throw new RangeError(`WebGPU kernels handle at most ${MAX_RANK} axes after merging`);
    }
    const words = new Array<number>(1 + MAX_RANK * (1 + c.strides.length)).fill(0);
    words[0] = c.shape.length;
    c.shape.forEach((d, i) => (words[1 + i] = d));
    c.strides.forEach((s, k) => s.forEach((v, i) => (words[1 + MAX_RANK * (k + 1) + i] = v)));
    return words;
  }

  binary(
    op: BinaryOp,
    a: GpuBuffer,
    aShape: Shape,
    b: GpuBuffer,
    bShape: Shape,
    outShape: Shape,
  ): GpuBuffer {
    const n = sizeOf(outShape);
    const same = (s: Shape) =>
      sizeOf(s) === n && s.length <= outShape.length &&
      s.every((d, i) => d === outShape[outShape.length - s.length + i]);
    if (same(aShape) && (same(bShape) || sizeOf(bShape) === 1)) {
      return this.#elementwise(binaryKernel(op, true), n, [sizeOf(bShape) === 1 && n > 1 ? 1 : 0], [
        a,
        b,
      ]);
    }
    const params = this.#stridedParams(outShape, [
      broadcastStrides(aShape, outShape),
      broadcastStrides(bShape, outShape),
    ]);
    return this.#elementwise(binaryKernel(op, false), n, params, [a, b]);
  }

  axpy(a: GpuBuffer, b: GpuBuffer, alpha: number, size: number): GpuBuffer {
    return this.#elementwise(axpyKernel, size, [f32Bits(alpha)], [a, b]);
  }
  axpyInPlace(a: GpuBuffer, b: GpuBuffer, alpha: number, size: number): void {
    // `a` is bound once, as the kernel's read-write buffer
    this.#dispatchThreads(axpyInPlaceKernel, size, [f32Bits(alpha)], [b, a]);
  }
  axpbyInPlace(a: GpuBuffer, b: GpuBuffer, alpha: number, beta: number, size: number): void {
    this.#dispatchThreads(axpbyInPlaceKernel, size, [f32Bits(alpha), f32Bits(beta)], [b, a]);
  }
  adamInPlace(
    p: GpuBuffer,
    g: GpuBuffer,
    m: GpuBuffer,
    v: GpuBuffer,
    size: number,
    _dtype: DType,
    s: AdamScalars,
  ): void {
    const scalars = [s.beta1, 1 - s.beta1, s.beta2, 1 - s.beta2, s.vScale, s.eps, s.step];
    this.#dispatchThreads(adamInPlaceKernel, size, scalars.map(f32Bits), [g, p, m, v]);
  }
  addRowSumInPlace(
    target: GpuBuffer,
    x: GpuBuffer,
    rows: number,
    cols: number,
    alpha: number,
  ): void {
    if (threadPerOutput(cols, rows)) {
      this.#dispatchThreads(addRowSumKernel, cols, [rows, f32Bits(alpha)], [x, target]);
      return;
    }
    // long columns and few of them: a thread a column would wait on each of its
    // rows in turn (a batch of 256: slower than two dispatches), so the
    // workgroup-per-column sum, then the axpy
    const sums = this.reduce("sum", x, 1, rows, cols);
    this.axpyInPlace(target, sums, alpha, cols);
    this.release(sums);
  }
  momentumInPlace(
    p: GpuBuffer,
    g: GpuBuffer,
    m: GpuBuffer,
    size: number,
    _dtype: DType,
    momentum: number,
    step: number,
  ): void {
    this.#dispatchThreads(momentumInPlaceKernel, size, [momentum, step].map(f32Bits), [g, p, m]);
  }

  where(
    c: GpuBuffer,
    cShape: Shape,
    a: GpuBuffer,
    aShape: Shape,
    b: GpuBuffer,
    bShape: Shape,
    outShape: Shape,
  ): GpuBuffer {
    const params = this.#stridedParams(outShape, [
      broadcastStrides(cShape, outShape),
      broadcastStrides(aShape, outShape),
      broadcastStrides(bShape, outShape),
    ]);
    return this.#elementwise(whereKernel, sizeOf(outShape), params, [c, a, b]);
  }

  reduce(op: ReduceOp, x: GpuBuffer, outer: number, n: number, inner: number): GpuBuffer {
    const outputs = outer * inner;
    if (threadPerOutput(outputs, n)) {
      return this.#elementwise(reduceThreadKernel(op), outputs, [n, inner], [x]);
    }
    const out = this.#alloc(outputs);
    const [gx, gy] = grid(outputs);
    this.#dispatch(reduceGroupKernel(op), [outputs, n, inner], [x, out], [gx, gy, 1]);
    return out;
  }

  softmax(x: GpuBuffer, outer: number, n: number, inner: number): GpuBuffer {
    if (threadPerOutput(outer * inner, n)) {
      // where the composed sums would take one thread per row: one kernel, the same bits
      const rows = outer * inner, out = this.#alloc(rows * n);
      if (n > 0) this.#dispatchThreads(softmaxThreadKernel, rows, [n, inner], [x, out]);
      return out;
    }
    // the five kernels the tensor layer used to compose, without its bookkeeping
    const shape = [outer, n, inner], column = [outer, 1, inner];
    const m = this.reduce("max", x, outer, n, inner);
    const z = this.binary("sub", x, shape, m, column, shape);
    const e = this.unary("exp", z, outer * n * inner);
    const s = this.reduce("sum", e, outer, n, inner);
    const out = this.binary("div", e, shape, s, column, shape);
    for (const b of [m, z, e, s]) this.release(b);
    return out;
  }

  oneHot(indices: GpuBuffer, n: number, classes: number): GpuBuffer {
    return this.#elementwise(oneHotKernel, n * classes, [classes], [indices]);
  }

  nllHits(probs: GpuBuffer, labels: GpuBuffer, rows: number, classes: number): GpuBuffer {
    const out = this.#alloc(2);
    this.#dispatch(nllHitsKernel, [rows, classes], [probs, labels, out], [1, 1, 1]);
    return out;
  }

  argmaxHits(scores: GpuBuffer, labels: GpuBuffer, rows: number, classes: number): GpuBuffer {
    const out = this.#alloc(1);
    this.#dispatch(argmaxHitsKernel, [rows, classes], [scores, labels, out], [1, 1, 1]);
    return out;
  }

  crossEntropyRows(
    logits: GpuBuffer,
    labels: GpuBuffer,
    rows: number,
    classes: number,
  ): { loss: GpuBuffer; probs: GpuBuffer } {
    const loss = this.#alloc(rows), probs = this.#alloc(rows * classes);
    this.#dispatchThreads(crossEntropyRowsKernel, rows, [classes], [logits, labels, loss, probs]);
    return { loss, probs };
  }
  crossEntropyRowsBackward(
    probs: GpuBuffer,
    labels: GpuBuffer,
    g: GpuBuffer,
    rows: number,
    classes: number,
  ): GpuBuffer {
    return this.#elementwise(crossEntropyRowsBackwardKernel, rows * classes, [classes], [
      probs,
      labels,
      g,
    ]);
  }

  matmul(a: GpuBuffer, b: GpuBuffer, spec: MatmulSpec): GpuBuffer {
    const { batch, m, n } = spec;
    if (batch * m * n === 0) return this.#alloc(0);
    const plan = this.#matmulPlan(spec);
    if (plan.slices > 1) {
      const partial = this.#sliceProducts(a, b, spec, plan);
      const out = this.reduce("sum", partial, 1, plan.slices, m * n);
      this.release(partial);
      return out;
    }
    const out = this.#alloc(batch * m * n);
    this.#matmulInto(out, a, b, spec, plan);
    return out;
  }

  /**
   * A split-K product's first half: each z multiplies one slice of K into its
   * own `[m, n]` of the `[slices, m, n]` result; a sum over z finishes it.
   */
  #sliceProducts(a: GpuBuffer, b: GpuBuffer, spec: MatmulSpec, plan: MatmulPlan): GpuBuffer {
    const { m, n, k, transA, transB } = spec;
    const { slices, tiling, gx, gy, ldA, ldB } = plan;
    const kernel = matmulKernel(transA, transB, tiling);
    const depth = kSlice(k, slices, tiling.bk);
    const partial = this.#alloc(slices * m * n);
    const params = [m, n, depth, transA ? depth * m : depth, transB ? depth : depth * n, 0];
    this.#dispatch(kernel, [...params, ldA, ldB, k], [a, b, partial], [gx, gy, slices]);
    return partial;
  }

  /**
   * A split product into `out` with an epilogue added as its slices are
   * summed (where {@link sumsSlicesInOrder}): `out += alpha·product`, or the
   * product plus a bias, as `#matmulInto`'s epilogues.
   */
  #sliceSumInto(
    out: GpuBuffer,
    a: GpuBuffer,
    b: GpuBuffer,
    spec: MatmulSpec,
    plan: MatmulPlan,
    epilogue: Exclude<MatmulEpilogue, "store">,
    extra: { alpha?: number; bias?: GpuBuffer },
  ): void {
    const partial = this.#sliceProducts(a, b, spec, plan);
    const params = epilogue === "accumulate"
      ? [plan.slices, spec.n, f32Bits(extra.alpha!)]
      : [plan.slices, spec.n];
    const buffers = extra.bias ? [partial, extra.bias, out] : [partial, out];
    this.#dispatchThreads(sliceSumKernel(epilogue), spec.m * spec.n, params, buffers);
    this.release(partial);
  }
  matmulAccumulate(
    c: GpuBuffer,
    a: GpuBuffer,
    b: GpuBuffer,
    spec: MatmulSpec,
    alpha: number,
  ): void {
    if (spec.batch * spec.m * spec.n === 0) return;
    const plan = this.#matmulPlan(spec);
    if (sumsSlicesInOrder(spec, plan)) {
      // the slices' sum added into c (the factors are read before c is written)
      this.#sliceSumInto(c, a, b, spec, plan, "accumulate", { alpha });
      return;
    }
    // a factor that is the target would be read while it is written: the product first
    if (plan.slices > 1 || c.buffer === a.buffer || c.buffer === b.buffer) {
      const product = this.matmul(a, b, spec);
      this.axpyInPlace(c, product, alpha, spec.batch * spec.m * spec.n);
      this.release(product);
      return;
    }
    // the product added into c as the kernel stores it: one dispatch, no product buffer
    this.#matmulInto(c, a, b, spec, plan, "accumulate", { alpha });
  }

  /** Tiling, blocks, K slices and the operands' row lengths for a product. */
  #matmulPlan(spec: MatmulSpec): MatmulPlan {
    const { batch, m, n, k, transA, transB } = spec;
    const tiling = this.matmulTiling ?? chooseTiling(batch, m, n);
    const gx = Math.ceil(n / tiling.bn), gy = Math.ceil(m / tiling.bm);
    if (gx > MAX_WG || gy > MAX_WG) {
      throw new RangeError(
        `Cannot matmul ${m}×${k} by ${k}×${n} on WebGPU: the result is too large`,
      );
    }
    const slices = this.matmulSplitK ? splitK(batch, gx * gy, k, tiling.bk) : 1;
    return { tiling, gx, gy, slices, ldA: transA ? m : k, ldB: transB ? k : n };
  }

  /**
   * `out = op(A)·op(B)` batch chunk by batch chunk, or with an epilogue:
   * `out += alpha·op(A)·op(B)`, or a bias added to each row or column.
   */
  #matmulInto(
    out: GpuBuffer,
    a: GpuBuffer,
    b: GpuBuffer,
    spec: MatmulSpec,
    plan: MatmulPlan,
    epilogue: MatmulEpilogue = "store",
    extra: { alpha?: number; bias?: GpuBuffer } = {},
  ): void {
    const { batch, m, n, k, transA, transB } = spec;
    const { ldA, ldB } = plan;
    const kernel = matmulKernel(transA, transB, plan.tiling, epilogue);
    const buffers = extra.bias ? [a, b, extra.bias, out] : [a, b, out];
    const chunk = this.maxBatchPerDispatch;
    for (let start = 0; start < batch; start += chunk) {
      const count = Math.min(chunk, batch - start);
      const params = [m, n, k, spec.strideA, spec.strideB, start, ldA, ldB, 0xffffffff];
      if (epilogue === "accumulate") params.push(f32Bits(extra.alpha!));
      this.#dispatch(kernel, params, buffers, [plan.gx, plan.gy, count]);
    }
  }

  matmulBias(
    a: GpuBuffer,
    b: GpuBuffer,
    bias: GpuBuffer,
    spec: MatmulSpec,
    on: "rows" | "cols",
  ): GpuBuffer {
    const { m, n } = spec;
    const plan = this.#matmulPlan(spec);
    const epilogue = on === "rows" ? "rowBias" : "colBias";
    if (sumsSlicesInOrder(spec, plan)) {
      // the bias added as the slices are summed
      const out = this.#alloc(m * n);
      this.#sliceSumInto(out, a, b, spec, plan, epilogue, { bias });
      return out;
    }
    if (plan.slices > 1 || spec.batch !== 1) {
      // the product, then the add the caller would have made
      const product = this.matmul(a, b, spec);
      const out = this.binary("add", product, [m, n], bias, on === "rows" ? [m, 1] : [n], [m, n]);
      this.release(product);
      return out;
    }
    const out = this.#alloc(m * n);
    if (m * n > 0) this.#matmulInto(out, a, b, spec, plan, epilogue, { bias });
    return out;
  }

  copyStrided(
    x: GpuBuffer,
    outShape: Shape,
    strides: readonly number[],
    offset: number,
  ): GpuBuffer {
    const params = this.#stridedParams(outShape, [[...strides]]);
    // words: rank, extents, out strides, x strides, then the offset
    const words = [...params, ...new Array(1 + 3 * MAX_RANK - params.length).fill(0), offset];
    return this.#elementwise(copyStridedKernel, sizeOf(outShape), words, [x]);
  }

  pad(
    x: GpuBuffer,
    shape: Shape,
    before: readonly number[],
    outShape: Shape,
    value: number,
  ): GpuBuffer {
    if (shape.length > MAX_RANK) {
      throw new RangeError(`WebGPU pad handles at most ${MAX_RANK} axes`);
    }
    const words = new Array<number>(1 + 5 * MAX_RANK + 1).fill(0);
    words[0] = shape.length;
    const inStrides = stridesOf(shape);
    for (let d = 0; d < shape.length; d++) {
      words[1 + d] = outShape[d];
      words[1 + 2 * MAX_RANK + d] = inStrides[d];
      words[1 + 3 * MAX_RANK + d] = before[d];
      words[1 + 4 * MAX_RANK + d] = shape[d];
    }
    words[1 + 5 * MAX_RANK] = f32Bits(value);
    return this.#elementwise(padKernel, sizeOf(outShape), words, [x]);
  }

  concat(
    xs: readonly GpuBuffer[],
    outer: number,
    sizes: readonly number[],
    inner: number,
  ): GpuBuffer {
    const total = sizes.reduce((s, v) => s + v, 0);
    const out = this.#alloc(outer * total * inner);
    let at = 0;
    xs.forEach((x, i) => {
      const n = outer * sizes[i] * inner;
      this.#dispatchThreads(concatPieceKernel, n, [sizes[i] * inner, total * inner, at * inner], [
        x,
        out,
      ]);
      at += sizes[i];
    });
    return out;
  }

  gather(
    x: GpuBuffer,
    idx: GpuBuffer,
    outer: number,
    n: number,
    k: number,
    inner: number,
  ): GpuBuffer {
    return this.#elementwise(gatherKernel, outer * k * inner, [n, k, inner], [x, idx]);
  }

  take(
    x: GpuBuffer,
    positions: GpuBuffer,
    outer: number,
    n: number,
    k: number,
    inner: number,
  ): GpuBuffer {
    return this.#elementwise(takeKernel, outer * k * inner, [n, k, inner], [x, positions]);
  }

  scatterAdd(
    g: GpuBuffer,
    idx: GpuBuffer,
    outer: number,
    n: number,
    k: number,
    inner: number,
  ): GpuBuffer {
    return this.#elementwise(scatterAddKernel, outer * n * inner, [n, k, inner], [g, idx]);
  }

  #geometry(s: UnfoldSpec): number[] {
    return [
      s.c,
      s.h,
      s.w,
      s.kh,
      s.kw,
      s.sh,
      s.sw,
      s.ph,
      s.pw,
      s.dh,
      s.dw,
      s.outH,
      s.outW,
      f32Bits(s.padValue),
      s.n,
      s.batchInner ? 1 : 0,
    ];
  }

  unfold(x: GpuBuffer, spec: UnfoldSpec): GpuBuffer {
    const n = spec.n * spec.c * spec.kh * spec.kw * spec.outH * spec.outW;
    return this.#elementwise(unfoldKernel, n, this.#geometry(spec), [x]);
  }

  fold(cols: GpuBuffer, spec: UnfoldSpec): GpuBuffer {
    const n = spec.n * spec.c * spec.h * spec.w;
    return this.#elementwise(foldKernel, n, this.#geometry(spec), [cols]);
  }

  maxPool(x: GpuBuffer, spec: UnfoldSpec): { out: GpuBuffer; argmax: GpuBuffer } {
    const n = spec.n * spec.c * spec.outH * spec.outW;
    const out = this.#alloc(n), argmax = this.#alloc(n);
    this.#dispatchThreads(maxPoolKernel, n, this.#geometry(spec), [x, out, argmax]);
    return { out, argmax };
  }

  batchNorm(
    x: GpuBuffer,
    weight: GpuBuffer,
    bias: GpuBuffer,
    n: number,
    c: number,
    inner: number,
    eps: number,
  ): { y: GpuBuffer; mean: GpuBuffer; invstd: GpuBuffer } {
    if (c > MAX_WG) throw new RangeError(`WebGPU batch norm handles at most ${MAX_WG} channels`);
    const mean = this.#alloc(c), invstd = this.#alloc(c);
    this.#dispatch(batchNormStatsKernel, [n, c, inner, f32Bits(eps)], [x, mean, invstd], [c, 1, 1]);
    const y = this.#elementwise(batchNormApplyKernel, n * c * inner, [c, inner], [
      x,
      mean,
      invstd,
      weight,
      bias,
    ]);
    return { y, mean, invstd };
  }

  batchNormBackward(
    g: GpuBuffer,
    x: GpuBuffer,
    mean: GpuBuffer,
    invstd: GpuBuffer,
    weight: GpuBuffer,
    n: number,
    c: number,
    inner: number,
  ): { dx: GpuBuffer; dweight: GpuBuffer; dbias: GpuBuffer } {
    const dweight = this.#alloc(c), dbias = this.#alloc(c);
    this.#dispatch(batchNormGradSumsKernel, [n, c, inner], [g, x, mean, invstd, dweight, dbias], [
      c,
      1,
      1,
    ]);
    const dx = this.#elementwise(batchNormInputGradKernel, n * c * inner, [c, inner, n * inner], [
      g,
      x,
      mean,
      invstd,
      weight,
      dweight,
      dbias,
    ]);
    return { dx, dweight, dbias };
  }

  maxPoolBackward(g: GpuBuffer, argmax: GpuBuffer, spec: UnfoldSpec): GpuBuffer {
    const n = spec.n * spec.c * spec.h * spec.w;
    return this.#elementwise(maxPoolBackwardKernel, n, this.#geometry(spec), [g, argmax]);
  }
}

/**
 * Request an adapter and device with the adapter's largest buffer limits.
 *
 * @returns The backend.
 * @throws {Error} When there is no WebGPU or no adapter.
 */
export async function createWebGpuBackend(): Promise<WebGpuBackend> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) throw new Error("this runtime has no navigator.gpu");
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) throw new Error("navigator.gpu.requestAdapter() found no adapter");
  const l = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    },
  });
  const info = adapter.info;
  const description = [info.vendor, info.architecture, info.device, info.description]
    .filter((s) => s && s !== "0").join(" ");
  // release the device before the runtime tears down: letting the process
  // exit with it alive has crashed Deno's WebGPU (a double free in teardown)
  globalThis.addEventListener("unload", () => device.destroy());
  const backend = new WebGpuBackend(device, description || "unknown adapter");
  // and not while work is still running on it (a known crash in Deno's
  // WebGPU): when the program is done, wait for the queue first. Only
  // waiting here, never destroying: `deno test` can dispatch this between
  // test files, and the device must stay usable.
  globalThis.addEventListener("beforeunload", (event) => {
    if (!backend.unsettled) return;
    event.preventDefault();
    backend.settle().catch(() => {/* a lost device has nothing left to run */});
  });
  return backend;
}
