// A helper thread for the WebAssembly GEMM: it shares the module's memory,
// runs the column panels it is handed, and leaves when idle for a while so
// that it never keeps a finished program alive.

import { CTRL, type GemmKernel, IDLE_EXIT_MS, SPIN_MS, spinWhile, STATE } from "./protocol.ts";

/** The worker's global scope, typed without the worker lib (checked together with window code). */
const scope = self as unknown as {
  onmessage: ((event: MessageEvent) => void) | null;
  close(): void;
};

scope.onmessage = (
  event: MessageEvent<{ module: WebAssembly.Module; memory: WebAssembly.Memory }>,
) => {
  const { module, memory } = event.data;
  const exports = new WebAssembly.Instance(module, { env: { memory } })
    .exports as unknown as GemmKernel;
  const ctrl = new Int32Array(memory.buffer, 0, CTRL.length);
  Atomics.store(ctrl, CTRL.state, STATE.idle);
  Atomics.notify(ctrl, CTRL.state);
  while (true) {
    const woke = spinWhile(ctrl, STATE.idle, SPIN_MS)
      ? "not-equal"
      : Atomics.wait(ctrl, CTRL.state, STATE.idle, IDLE_EXIT_MS);
    if (Atomics.load(ctrl, CTRL.state) === STATE.task) {
      exports.gemm(
        ctrl[CTRL.mPanels],
        ctrl[CTRL.jp0],
        ctrl[CTRL.jp1],
        ctrl[CTRL.k],
        ctrl[CTRL.a],
        ctrl[CTRL.aPanel],
        ctrl[CTRL.aRow],
        ctrl[CTRL.aStep],
        ctrl[CTRL.b],
        ctrl[CTRL.bPanel],
        ctrl[CTRL.bStep],
        ctrl[CTRL.c],
        ctrl[CTRL.ldc],
      );
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
