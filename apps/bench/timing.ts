/**
 * Timing helpers for benchmarks: repeat until a time budget is spent, wait
 * for the device, report the median.
 *
 * @module
 */

import type { Backend } from "@recognize/tensor";

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
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** Print one JSON result line. */
export function report(result: Record<string, unknown>): void {
  const rounded = Object.fromEntries(
    Object.entries(result).map((
      [k, v],
    ) => [k, typeof v === "number" && !Number.isInteger(v) ? Number(v.toPrecision(4)) : v]),
  );
  console.log(JSON.stringify(rounded));
}
