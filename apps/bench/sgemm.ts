/**
 * SGEMM throughput at the homework MLP's shapes (forward and backward of
 * 1024→64 at batch 32 and 256) and at 1024³ (and 4096³ on a GPU or with
 * --large), each with the plain TypeScript reference measured in the same run.
 *
 * @module
 */

import {
  type Backend,
  chooseTiling,
  cpuBackend,
  MATMUL_TILINGS,
  noGrad,
  randNormal,
  splitK,
  WebGpuBackend,
  withCpuKernels,
} from "@recognize/tensor";
import { gpuSecondsPerCall, kernelPaths, report, timeIt } from "./timing.ts";

interface Shape {
  label: string;
  m: number;
  n: number;
  k: number;
  transA?: boolean;
  transB?: boolean;
}

/** The shapes measured. */
export function sgemmShapes(backend: Backend, large: boolean): Shape[] {
  const shapes: Shape[] = [
    { label: "mlp forward b32", m: 32, n: 64, k: 1024 },
    { label: "mlp dW b32 (Xᵀ·dY)", m: 1024, n: 64, k: 32, transA: true },
    { label: "mlp dX b32 (dY·Wᵀ)", m: 32, n: 1024, k: 64, transB: true },
    { label: "mlp forward b256", m: 256, n: 64, k: 1024 },
    { label: "mlp dW b256 (Xᵀ·dY)", m: 1024, n: 64, k: 256, transA: true },
    { label: "square 1024", m: 1024, n: 1024, k: 1024 },
  ];
  if (backend.name === "webgpu") {
    // the benchmark CNN at batch 64 (conv2d is one product over the batch):
    // conv2's forward, W·cols, and the filters' gradients, long-K products
    // of few blocks that are split over K
    shapes.push({ label: "cnn conv2 b64", m: 64, n: 16384, k: 288 });
    shapes.push({ label: "cnn conv2 dW b64", m: 64, n: 288, k: 16384, transB: true });
    shapes.push({ label: "cnn conv1 dW b64", m: 32, n: 9, k: 65536, transB: true });
  }
  if (backend.name === "webgpu" || large) {
    shapes.push({ label: "square 4096", m: 4096, n: 4096, k: 4096 });
  }
  return shapes;
}

async function seconds(backend: Backend, s: Shape): Promise<number> {
  using a = randNormal(s.transA ? [s.k, s.m] : [s.m, s.k], 0, 1, { device: backend });
  using b = randNormal(s.transB ? [s.n, s.k] : [s.k, s.n], 0, 1, { device: backend });
  const product = () => {
    noGrad(() => a.matmul(b, { transA: s.transA, transB: s.transB })).dispose();
  };
  if (backend.name !== "cpu") return await gpuSecondsPerCall(product, backend);
  return await timeIt(product, backend, { minSeconds: 2 * s.m * s.n * s.k > 2e9 ? 3 : 1 });
}

/**
 * Measure each shape and print a JSON line with GFLOP/s and the ratio to
 * the TypeScript reference.
 *
 * @param backend The device.
 * @param options `large`: include 4096³ on the CPU too.
 */
export async function benchSgemm(
  backend: Backend,
  options: { large?: boolean; tilings?: string } = {},
): Promise<void> {
  if (options.tilings !== undefined) return await benchTilings(backend, options.tilings);
  const paths = kernelPaths(backend);
  for (const s of sgemmShapes(backend, options.large ?? false)) {
    const flops = 2 * s.m * s.n * s.k;
    // the reference is too slow for 4096³ (minutes); it is measured where it takes seconds
    const base = flops <= 4e9
      ? await withCpuKernels("reference", () => seconds(cpuBackend(), s))
      : undefined;
    for (const path of paths) {
      const t = await withCpuKernels(path.kernels, () => seconds(backend, s));
      report({
        bench: "sgemm",
        device: backend.name,
        kernels: path.label,
        ...(backend.name === "webgpu" ? { tiling: tilingName(s) } : {}),
        shape: s.label,
        m: s.m,
        n: s.n,
        k: s.k,
        seconds: t,
        gflops: flops / t / 1e9,
        ...(base
          ? {
            baseline: "cpu typescript reference",
            baseline_gflops: flops / base / 1e9,
            ratio: base / t,
          }
          : {}),
      });
    }
  }
}

/** The name of the tiling the WebGPU backend picks for a shape. */
function tilingName(s: Shape): string {
  const t = chooseTiling(1, s.m, s.n);
  return Object.entries(MATMUL_TILINGS).find(([, v]) => v === t)?.[0] ?? JSON.stringify(t);
}

/**
 * WebGPU only: every shape with each named matmul tiling (`all`, or names
 * separated by commas), one line each, to choose the tilings on a GPU.
 */
async function benchTilings(backend: Backend, names: string): Promise<void> {
  if (!(backend instanceof WebGpuBackend)) {
    throw new Error("--tilings compares WebGPU matmul kernels: add --device webgpu");
  }
  const chosen = names === "all" ? Object.keys(MATMUL_TILINGS) : names.split(",");
  for (const name of chosen) {
    if (!MATMUL_TILINGS[name]) {
      throw new Error(
        `no matmul tiling "${name}" (have ${Object.keys(MATMUL_TILINGS).join(", ")})`,
      );
    }
  }
  for (const s of sgemmShapes(backend, true)) {
    for (const name of chosen) {
      const tiling = MATMUL_TILINGS[name];
      const blocks = Math.ceil(s.m / tiling.bm) * Math.ceil(s.n / tiling.bn);
      // where K is split, the same tiling unsplit too
      const slices = splitK(1, blocks, s.k, tiling.bk);
      const splits = slices > 1 ? [true, false] : [true];
      for (const split of splits) {
        backend.matmulTiling = tiling;
        backend.matmulSplitK = split;
        try {
          const t = await seconds(backend, s);
          report({
            bench: "sgemm_tiling",
            device: backend.name,
            tiling: name,
            ...(split && slices > 1 ? { split_k: slices } : {}),
            shape: s.label,
            m: s.m,
            n: s.n,
            k: s.k,
            seconds: t,
            gflops: (2 * s.m * s.n * s.k) / t / 1e9,
          });
        } finally {
          backend.matmulTiling = null;
          backend.matmulSplitK = true;
        }
      }
    }
  }
}
