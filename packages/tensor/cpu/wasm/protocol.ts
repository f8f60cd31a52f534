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
  b: 6,
  c: 7,
  ldc: 8,
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

/** Bytes reserved for the control block at the start of memory. */
export const RESERVED_BYTES = 1024;

/** The GEMM kernel both threads call: C panels jp0..jp1 of packed A and B. */
export interface GemmKernel {
  gemm(
    mPanels: number,
    jp0: number,
    jp1: number,
    k: number,
    a: number,
    b: number,
    c: number,
    ldc: number,
  ): void;
}
