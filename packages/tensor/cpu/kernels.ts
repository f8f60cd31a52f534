// Which CPU kernels run. Benchmarks measure each path, and the TypeScript
// reference, in the same run.

/**
 * Which CPU kernels run: `fast` (default) takes the system BLAS for matrix
 * products where one is found (blas.ts), else the WebAssembly kernels, which
 * also serve the hottest elementwise ops; `wasm` skips the BLAS;
 * `reference` runs only the TypeScript loops.
 */
export type CpuKernels = "fast" | "wasm" | "reference";
let kernels: CpuKernels = "fast";

/**
 * Choose the CPU kernels (benchmarks measure each path in the same run).
 *
 * @param k `fast` (default), `wasm` or `reference`.
 */
export function setCpuKernels(k: CpuKernels): void {
  kernels = k;
}

/** The kernels chosen now. */
export function cpuKernels(): CpuKernels {
  return kernels;
}

/**
 * Run `fn` with the kernels `k`, then restore the previous choice however it
 * ends (benchmarks and tests compare the paths in one run).
 *
 * @param k The kernels.
 * @param fn The work.
 * @returns What `fn` returns.
 */
export async function withCpuKernels<T>(k: CpuKernels, fn: () => T | Promise<T>): Promise<T> {
  const before = kernels;
  kernels = k;
  try {
    return await fn();
  } finally {
    kernels = before;
  }
}
