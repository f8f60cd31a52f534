// The kernels' second thread. One helper worker shares the WebAssembly
// memory; a kernel call too large for one thread is cut in two, the helper
// runs one part while this thread runs the other, and each part writes its
// own outputs, so the result is bit for bit what one thread computes.

import {
  ARGS_AT,
  CTRL,
  HELPER_KERNELS,
  type HelperKernel,
  MAX_ARGS,
  SPIN_MS,
  spinWhile,
  STATE,
} from "./wasm/protocol.ts";
import { type Engine, wasmEngine } from "./wasm_memory.ts";

let helper: Worker | null = null;
let unloadHooked = false;
/** Calls handed to the helper, by kernel. */
const helperTasks = new Map<string, number>();
const kernelIndex = new Map<string, number>(HELPER_KERNELS.map((name, i) => [name, i]));

/** How many calls of `kernel` (or of any) were handed to the helper (tests check it takes part). */
export function helperTaskCount(kernel?: HelperKernel): number {
  if (kernel) return helperTasks.get(kernel) ?? 0;
  let all = 0;
  for (const n of helperTasks.values()) all += n;
  return all;
}

/**
 * Element-wise work (bytes read and written) from which a pass is cut in
 * two. Memory-bound passes run nearly twice as fast on two threads here
 * (ReLU's gradient over 2 M floats: 0.51 → 0.24 ms, col2im of the benchmark
 * CNN's second layer 1.33 → 0.75 ms), but each hand-off costs a few
 * microseconds and keeps the helper spinning on the second core for a while,
 * and waking a sleeping helper costs tens: from 256 KB the MLP's evaluation
 * chunks were shared, and q3 took about 3 ms an epoch longer; from 1 MB the
 * CNN step is as fast as from 64 KB.
 */
export const DEFAULT_SPLIT_MIN_BYTES = 1 << 20;
let splitMinBytes = DEFAULT_SPLIT_MIN_BYTES;

/** Set the size from which passes are shared with the helper (tests lower it). */
export function setSplitThreshold(bytes: number): void {
  splitMinBytes = bytes;
}

/** Start the helper if there is none; it takes work once it reports idle. */
function spawnHelper(e: Engine): void {
  if (Atomics.compareExchange(e.ctrl, CTRL.state, STATE.gone, STATE.starting) !== STATE.gone) {
    return;
  }
  try {
    const worker = new Worker(new URL("./wasm/helper_worker.ts", import.meta.url).href, {
      type: "module",
    });
    worker.postMessage({ module: e.module, memory: e.memory });
    // end it before the runtime tears down: exiting with a worker alive has
    // aborted Deno now and then (a double free in teardown)
    if (!unloadHooked) {
      unloadHooked = true;
      globalThis.addEventListener?.("unload", () => {
        helper?.terminate();
        helper = null;
        Atomics.store(e.ctrl, CTRL.state, STATE.gone); // a later call starts a new one
      });
    }
    helper = worker;
  } catch {
    Atomics.store(e.ctrl, CTRL.state, STATE.gone);
    e.threads = false;
  }
}

/**
 * Hand `kernel(...args)` to the helper if it is idle; false (nothing posted)
 * when it is missing, starting or leaving. Starts it when there is none, for
 * later calls. The caller runs its own part, then {@link joinHelper}.
 */
export function postToHelper(e: Engine, kernel: HelperKernel, args: readonly number[]): boolean {
  if (!e.threads) return false;
  const ctrl = e.ctrl;
  const state = Atomics.load(ctrl, CTRL.state);
  if (state === STATE.gone) spawnHelper(e);
  if (state !== STATE.idle) return false;
  if (args.length > MAX_ARGS) throw new Error("internal: too many kernel arguments");
  new Float64Array(e.memory.buffer, ARGS_AT, MAX_ARGS).set(args);
  ctrl[CTRL.kernel] = kernelIndex.get(kernel)!;
  ctrl[CTRL.argc] = args.length;
  Atomics.store(ctrl, CTRL.park, 0);
  // the helper may be leaving: hand over only if it still waits
  if (Atomics.compareExchange(ctrl, CTRL.state, STATE.idle, STATE.task) !== STATE.idle) {
    return false;
  }
  helperTasks.set(kernel, (helperTasks.get(kernel) ?? 0) + 1);
  Atomics.notify(ctrl, CTRL.state);
  return true;
}

/**
 * Tell an idle helper to sleep rather than spin: the caller is about to
 * run threads of its own on the second core (OpenBLAS). The next post wakes it.
 */
export function parkHelper(): void {
  if (helper !== null) Atomics.store(wasmEngine()!.ctrl, CTRL.park, 1);
}

/**
 * Finish the call {@link postToHelper} gave the helper: if it has not
 * started it (asleep, or its core busy with another thread), run it here
 * instead; else wait until it is done. So a hand-off never costs more than
 * doing the work alone.
 */
export function joinHelper(e: Engine, kernel: HelperKernel, args: readonly number[]): void {
  const ctrl = e.ctrl;
  if (Atomics.compareExchange(ctrl, CTRL.state, STATE.task, STATE.idle) === STATE.task) {
    (e.exports[kernel] as (...a: number[]) => void)(...args);
    return;
  }
  if (spinWhile(ctrl, STATE.running, SPIN_MS)) return;
  while (Atomics.load(ctrl, CTRL.state) === STATE.running) {
    Atomics.wait(ctrl, CTRL.state, STATE.running, 50);
  }
}

/**
 * Run a kernel over `count` items, the helper taking the second half when
 * the pass moves at least the split threshold's bytes: `args(from, to)` are
 * the kernel's arguments for items `[from, to)`, which must write nothing
 * the other half reads or writes. `align` keeps the cut on a multiple of it
 * (a SIMD group).
 */
export function splitCall(
  kernel: HelperKernel,
  count: number,
  bytes: number,
  args: (from: number, to: number) => number[],
  align = 1,
): void {
  const e = wasmEngine()!;
  const f = e.exports[kernel] as (...a: number[]) => void;
  const mid = Math.floor(count / 2 / align) * align;
  const second = bytes >= splitMinBytes && mid > 0 ? args(mid, count) : null;
  if (!second || !postToHelper(e, kernel, second)) {
    f(...args(0, count));
    return;
  }
  f(...args(0, mid));
  joinHelper(e, kernel, second);
}
