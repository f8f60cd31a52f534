/**
 * Tensors with reverse-mode autograd on the CPU and on WebGPU.
 *
 * Three one-way layers: the {@link Tensor} API (shape checks, broadcasting,
 * the autograd tape) → the {@link Backend} interface of a few dozen
 * primitives → the `cpu/` and `webgpu/` implementations. Activations,
 * losses, convolution and pooling are composed from the primitives, so they
 * get gradients and every device for free (softmax, one-hot rows and a
 * classifier's running loss and hit count are primitives of their own: a
 * training step runs them every batch).
 *
 * ```ts
 * import { crossEntropy, randNormal, tensor } from "@recognize/tensor";
 *
 * const w = randNormal([4, 3], 0, 0.1, { requiresGrad: true });
 * const x = tensor([[1, 2, 3, 4]]);
 * const loss = crossEntropy(x.matmul(w), tensor([2]));
 * loss.backward();
 * console.assert(w.grad!.shape.join() === "4,3");
 * ```
 *
 * @module
 */

export * from "./dtype.ts";
export * from "./shape.ts";
export * from "./random.ts";
export type * from "./backend.ts";
export { type NestedArray, Tensor, type TensorLike } from "./tensor.ts";
export { type GradNode, type GradRule, isGradEnabled, noGrad } from "./autograd.ts";
export * from "./creation.ts";
export * from "./device.ts";
export {
  abs,
  add,
  addScaled,
  clamp,
  div,
  exp,
  log,
  maximum,
  minimum,
  mul,
  neg,
  pow,
  relu,
  reluBackward,
  sigmoid,
  sigmoidBackward,
  sqrt,
  sub,
  tanh,
  where,
} from "./elementwise.ts";
export { argReduce, max, mean, min, sum, sumTo } from "./reduce.ts";
export {
  concat,
  expand,
  flatten,
  pad,
  permute,
  reshape,
  slice,
  squeeze,
  transpose,
  unsqueeze,
} from "./movement.ts";
export { matmul, matmulBias, type MatmulBiasOptions, type MatmulOptions } from "./matmul.ts";
export { gather, indexSelect, oneHot, scatterAdd } from "./indexing.ts";
export * from "./conv.ts";
export * from "./pool.ts";
export * from "./activation.ts";
export * from "./loss.ts";
export * from "./dropout.ts";
export * from "./batch_norm.ts";
export * from "./gradcheck.ts";
export { CpuBackend } from "./cpu/backend.ts";
export { WebGpuBackend } from "./webgpu/backend.ts";
export {
  chooseTiling,
  MATMUL_TILINGS,
  type MatmulTiling,
  splitK,
} from "./webgpu/kernels/matmul.wgsl.ts";
export type { PoolStats } from "./webgpu/pool.ts";
export { matmulReference } from "./cpu/matmul.ts";
export { type CpuKernels, cpuKernels, setCpuKernels, withCpuKernels } from "./cpu/kernels.ts";
export { blasUnavailableReason, systemBlas } from "./cpu/blas.ts";
export { setParallelThreshold, wasmGemmAvailable } from "./cpu/wasm_gemm.ts";
