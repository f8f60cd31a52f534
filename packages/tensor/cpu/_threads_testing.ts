// Test support: run checks with every large-enough pass cut between the
// main thread and the kernels' helper, and say which kernels were cut.

import { unary } from "./elementwise.ts";
import { release } from "./pool.ts";
import { heapArray } from "./wasm_memory.ts";
import { DEFAULT_SPLIT_MIN_BYTES, helperTaskCount, setSplitThreshold } from "./wasm_threads.ts";
import { HELPER_KERNELS, type HelperKernel } from "./wasm/protocol.ts";

/** Whether the helper can take part here (WebAssembly threads and a second core). */
export const canSplit = (navigator.hardwareConcurrency ?? 1) > 1;

/**
 * Run `checks` with every pass of the kernels cut in two (the helper
 * started first: it starts asynchronously), and return the kernels whose
 * second half the helper ran at least once.
 */
export async function withSplitPasses(
  checks: () => void | Promise<void>,
): Promise<Set<HelperKernel>> {
  setSplitThreshold(1);
  try {
    const x = heapArray(4096, false)!;
    x.fill(1);
    for (let round = 0; round < 100 && helperTaskCount() === 0; round++) {
      release(unary("relu", x, "float32"));
      await new Promise((r) => setTimeout(r, 50));
    }
    const before = new Map(HELPER_KERNELS.map((k) => [k, helperTaskCount(k)]));
    await checks();
    return new Set(HELPER_KERNELS.filter((k) => helperTaskCount(k) > before.get(k)!));
  } finally {
    setSplitThreshold(DEFAULT_SPLIT_MIN_BYTES);
  }
}
