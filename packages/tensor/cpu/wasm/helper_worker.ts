// The kernels' helper thread: it shares the module's memory, runs the calls
// it is handed (its share of a product's column panels, or of an
// element-wise pass), and leaves when idle for a while so that it never
// keeps a finished program alive.

import {
  ARGS_AT,
  CTRL,
  HELPER_KERNELS,
  IDLE_EXIT_MS,
  MAX_ARGS,
  SPIN_MS,
  spinWhile,
  STATE,
} from "./protocol.ts";

/** The worker's global scope, typed without the worker lib (checked together with window code). */
const scope = self as unknown as {
  onmessage: ((event: MessageEvent) => void) | null;
  close(): void;
};

scope.onmessage = (
  event: MessageEvent<{ module: WebAssembly.Module; memory: WebAssembly.Memory }>,
) => {
  const { module, memory } = event.data;
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports as Record<
    string,
    (...args: number[]) => void
  >;
  const kernels = HELPER_KERNELS.map((name) => exports[name]);
  // views at fixed offsets stay valid as the shared memory grows
  const ctrl = new Int32Array(memory.buffer, 0, CTRL.length);
  const args = new Float64Array(memory.buffer, ARGS_AT, MAX_ARGS);
  Atomics.store(ctrl, CTRL.state, STATE.idle);
  Atomics.notify(ctrl, CTRL.state);
  // spin for the next call only right after one: a wake that finds its call
  // taken back (the poster did it while this thread woke) means calls are
  // sparse, and spinning would only take a core from the threads doing work
  let spin = true;
  while (true) {
    const woke = spin && spinWhile(ctrl, STATE.idle, SPIN_MS, true)
      ? "not-equal"
      : Atomics.wait(ctrl, CTRL.state, STATE.idle, IDLE_EXIT_MS);
    // take the work unless the poster, done with its own part first, took it back
    spin = Atomics.compareExchange(ctrl, CTRL.state, STATE.task, STATE.running) === STATE.task;
    if (spin) {
      kernels[ctrl[CTRL.kernel]](...args.subarray(0, ctrl[CTRL.argc]));
      Atomics.store(ctrl, CTRL.state, STATE.idle);
      Atomics.notify(ctrl, CTRL.state);
    } else if (
      woke === "timed-out" &&
      Atomics.compareExchange(ctrl, CTRL.state, STATE.idle, STATE.gone) === STATE.idle
    ) {
      scope.close();
      return;
    }
  }
};
