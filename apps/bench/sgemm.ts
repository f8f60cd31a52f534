/**
 * SGEMM throughput at the homework MLP's shapes (forward and backward of
 * 1024→64 at batch 32 and 256) and at 1024³ (and 4096³ on a GPU or with
 * --large), each with the plain TypeScript reference measured in the same run.
 *
 * @module
 */

import { type Backend, cpuBackend, noGrad, randNormal, withCpuKernels } from "@recognize/tensor";
import { kernelPaths, report, timeIt } from "./timing.ts";

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
  if (backend.name === "webgpu" || large) {
    shapes.push({ label: "square 4096", m: 4096, n: 4096, k: 4096 });
  }
  return shapes;
}

async function seconds(backend: Backend, s: Shape): Promise<number> {
  using a = randNormal(s.transA ? [s.k, s.m] : [s.m, s.k], 0, 1, { device: backend });
  using b = randNormal(s.transB ? [s.n, s.k] : [s.k, s.n], 0, 1, { device: backend });
  return await timeIt(
    () => {
      noGrad(() => a.matmul(b, { transA: s.transA, transB: s.transB })).dispose();
    },
    backend,
    { minSeconds: s.m * s.n * s.k > 1e9 ? 3 : 1 },
  );
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
  options: { large?: boolean } = {},
): Promise<void> {
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
