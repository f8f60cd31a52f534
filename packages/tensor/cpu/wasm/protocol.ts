// The control block the main thread and the GEMM helper share, in the first
// bytes of the WebAssembly memory.

/** Word indices of the control block. */
export const CTRL = {
  state: 0,
  mPanels: 1,
  jp0: 2,
  jp1: 3,
  k: 4,
  a: 5,
  aPanel: 6,
  aRow: 7,
  aStep: 8,
  b: 9,
  bPanel: 10,
  bStep: 11,
  c: 12,
  ldc: 13,
  length: 16,
} as const;

/** Values of `CTRL.state`. */
export const STATE = {
  /** No helper (not started, or it left). */
  gone: 0,
  /** The helper waits for work. */
  idle: 1,
  /** Work is posted and not finished. */
  task: 2,
  /** The helper is starting. */
  starting: 3,
} as const;

/** How long the helper waits for work before it leaves. */
export const IDLE_EXIT_MS = 250;

/**
 * How long a thread spins on the control word before it sleeps on it. A
 * sleeping thread takes tens of microseconds to wake, as long as a whole
 * small product; training calls products back to back, so a short spin keeps
 * the hand-off cheap.
 */
export const SPIN_MS = 0.5;

/** Spin until `ctrl[CTRL.state]` is no longer `value` or `ms` pass; true if it changed. */
export function spinWhile(ctrl: Int32Array, value: number, ms: number): boolean {
  const until = performance.now() + ms;
  for (;;) {
    for (let i = 0; i < 64; i++) if (Atomics.load(ctrl, CTRL.state) !== value) return true;
    if (performance.now() >= until) return false;
  }
}

/** Bytes reserved for the control block at the start of memory. */
export const RESERVED_BYTES = 1024;

/**
 * The GEMM kernel both threads call: column panels jp0..jp1 of C. Byte
 * addresses and strides: A(i, p) at `a + ⌊i/MR⌋·aPanel + (i mod MR)·aRow +
 * p·aStep`, B(p, j) at `b + ⌊j/NR⌋·bPanel + 4·(j mod NR) + p·bStep`; C's row
 * stride `ldc` is in floats.
 */
export interface GemmKernel {
  gemm(
    mPanels: number,
    jp0: number,
    jp1: number,
    k: number,
    a: number,
    aPanel: number,
    aRow: number,
    aStep: number,
    b: number,
    bPanel: number,
    bStep: number,
    c: number,
    ldc: number,
  ): void;
}
