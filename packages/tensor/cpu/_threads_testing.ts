// Test support: run checks with every large-enough pass cut between the
// main thread and the kernels' helper, and say which kernels were cut.

import { unary } from "./elementwise.ts";
import { release } from "./pool.ts";
import { heapArray } from "./wasm_memory.ts";
import { DEFAULT_SPLIT_MIN_BYTES, helperTaskCount, setSplitThreshold } from "./wasm_threads.ts";
import { HELPER_KERNELS, type HelperKernel } from "./wasm/protocol.ts";

/** Whether the helper can take part here (WebAssembly threads and a second core). */
export const canSplit = (navigator.hardwareConcurrency ?? 1) > 1;

/** Post small passes until the helper takes one (it starts asynchronously, and leaves when idle). */
async function helperRunning(x: Float32Array): Promise<void> {
  const start = helperTaskCount();
  for (let round = 0; round < 100 && helperTaskCount() === start; round++) {
    release(unary("relu", x, "float32"));
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Run `checks` with every pass of the kernels cut in two, and return the
 * kernels whose second half the helper was handed at least once. A busy
 * machine can keep the helper off the CPU until it leaves, so the checks
 * run again (up to five times, the helper started first each time) until
 * every kernel in `expected` was handed a half.
 */
export async function withSplitPasses(
  checks: () => void | Promise<void>,
  expected: readonly HelperKernel[],
): Promise<Set<HelperKernel>> {
  setSplitThreshold(1);
  const cut = new Set<HelperKernel>();
  try {
    const x = heapArray(4096, false)!;
    x.fill(1);
    for (let round = 0; round < 5 && expected.some((k) => !cut.has(k)); round++) {
      await helperRunning(x);
      const before = new Map(HELPER_KERNELS.map((k) => [k, helperTaskCount(k)]));
      await checks();
      for (const k of HELPER_KERNELS) if (helperTaskCount(k) > before.get(k)!) cut.add(k);
    }
    return cut;
  } finally {
    setSplitThreshold(DEFAULT_SPLIT_MIN_BYTES);
  }
}
