/**
 * Timing helpers for benchmarks: repeat until a time budget is spent, wait
 * for the device, report the median.
 *
 * @module
 */

import {
  type Backend,
  blasUnavailableReason,
  type CpuKernels,
  systemBlas,
} from "@recognize/tensor";

/** One way of running a benchmark: a device and, on the CPU, which matmul kernels. */
export interface KernelPath {
  /** For the report: `webgpu`, `blas (libopenblas.so.0)`, `wasm`. */
  label: string;
  kernels: CpuKernels;
}

/**
 * The fast paths to measure on a device: on the CPU the system BLAS (where
 * one is found) and the WebAssembly kernels, each reported on its own line.
 */
export function kernelPaths(device: Backend): KernelPath[] {
  if (device.name !== "cpu") return [{ label: device.name, kernels: "fast" }];
  const blas = systemBlas();
  if (!blas) {
    console.error(`note: no system BLAS (${blasUnavailableReason()}); CPU figures are WebAssembly`);
    return [{ label: "wasm", kernels: "wasm" }];
  }
  const label = `blas (${blas.path}${blas.core ? `, ${blas.core} kernels` : ""})`;
  return [{ label, kernels: "fast" }, { label: "wasm", kernels: "wasm" }];
}

/** The median of some numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median seconds per call of `fn`, after `warmup` calls, over at least `minSeconds`. */
export async function timeIt(
  fn: () => void | Promise<void>,
  backend: Backend,
  options: { warmup?: number; minSeconds?: number; minRuns?: number; maxRuns?: number } = {},
): Promise<number> {
  const warmup = options.warmup ?? 2, minSeconds = options.minSeconds ?? 1;
  const minRuns = options.minRuns ?? 3, maxRuns = options.maxRuns ?? 200;
  for (let i = 0; i < warmup; i++) await fn();
  await backend.sync?.();
  const times: number[] = [];
  const start = performance.now();
  while (
    times.length < maxRuns &&
    (times.length < minRuns || performance.now() - start < minSeconds * 1000)
  ) {
    const t0 = performance.now();
    await fn();
    await backend.sync?.();
    times.push((performance.now() - t0) / 1000);
  }
  return median(times);
}

/**
 * Run a peer's timing script (`python -c script args…`) and return the words
 * it prints, or null where the interpreter or its library is missing.
 */
export async function runPeer(
  python: string,
  script: string,
  args: string[] = [],
): Promise<string[] | null> {
  try {
    const out = await new Deno.Command(python, {
      args: ["-c", script, ...args],
      stdout: "piped",
      stderr: "null",
    }).output();
    return out.success ? new TextDecoder().decode(out.stdout).trim().split(/\s+/) : null;
  } catch {
    return null;
  }
}

/** Rounds of peer-then-ours when a peer (NumPy, PyTorch) is timed: each round's ratio, the median reported. */
export const PEER_ROUNDS = 3;

/** Print one JSON result line. */
export function report(result: Record<string, unknown>): void {
  const rounded = Object.fromEntries(
    Object.entries(result).map((
      [k, v],
    ) => [k, typeof v === "number" && !Number.isInteger(v) ? Number(v.toPrecision(4)) : v]),
  );
  console.log(JSON.stringify(rounded));
}
