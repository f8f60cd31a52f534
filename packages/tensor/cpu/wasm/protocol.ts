// The control block the main thread and the kernels' helper thread share, in
// the first bytes of the WebAssembly memory: the helper runs one call of an
// exported kernel on its share of the work while the main thread runs the
// rest.

/** Word indices of the control block (Int32). */
export const CTRL = {
  state: 0,
  /** The kernel, an index into {@link HELPER_KERNELS}. */
  kernel: 1,
  /** How many arguments follow. */
  argc: 2,
  /** Set while the second core is wanted elsewhere (a threaded BLAS call): the idle helper sleeps instead of spinning. */
  park: 3,
  length: 16,
} as const;

/** Byte offset of the arguments: float64 each (every i32 and f32 argument is exact in one). */
export const ARGS_AT = 64;
/** Most arguments a call takes. */
export const MAX_ARGS = 24;

/** The exports the helper runs, by the index the control block names. */
export const HELPER_KERNELS = [
  "gemm",
  "relu",
  "exp",
  "sigmoid",
  "add",
  "sub",
  "mul",
  "div",
  "relu_grad",
  "sigmoid_grad",
  "add_rows",
  "sub_rows",
  "mul_rows",
  "div_rows",
  "add_cols",
  "sub_cols",
  "mul_cols",
  "div_cols",
  "axpy",
  "momentum",
  "adam",
  "dropout_mask",
  "copy_runs",
  "unfold_rows",
  "fold_rows",
  "max_pool_2x2",
  "max_pool_scatter",
  "bn_stats",
  "bn_grad_sums",
  "bn_apply_channels",
  "bn_grad_channels",
  "sum_rows",
] as const;

/** A kernel the helper can run. */
export type HelperKernel = typeof HELPER_KERNELS[number];

/** Values of `CTRL.state`. */
export const STATE = {
  /** No helper (not started, or it left). */
  gone: 0,
  /** The helper waits for work. */
  idle: 1,
  /** Work is posted and not taken yet: the poster may still take it back. */
  task: 2,
  /** The helper is starting. */
  starting: 3,
  /** The helper is running the posted work. */
  running: 4,
} as const;

/** How long the helper waits for work before it leaves. */
export const IDLE_EXIT_MS = 250;

/**
 * How long a thread spins on the control word before it sleeps on it. A
 * sleeping thread takes tens of microseconds to wake, as long as a whole
 * small product; training calls kernels back to back, so a short spin keeps
 * the hand-off cheap.
 */
export const SPIN_MS = 0.5;

/**
 * Spin until `ctrl[CTRL.state]` is no longer `value` or `ms` pass; true if
 * it changed. With `parkable`, also give up as soon as the park word is set.
 */
export function spinWhile(ctrl: Int32Array, value: number, ms: number, parkable = false): boolean {
  const until = performance.now() + ms;
  for (;;) {
    for (let i = 0; i < 64; i++) if (Atomics.load(ctrl, CTRL.state) !== value) return true;
    if (performance.now() >= until || (parkable && Atomics.load(ctrl, CTRL.park) !== 0)) {
      return false;
    }
  }
}

/** Bytes reserved for the control block at the start of memory. */
export const RESERVED_BYTES = 1024;

/**
 * The GEMM kernel: column panels jp0..jp1 of C. Byte addresses and
 * strides: A(i, p) at `a + ⌊i/MR⌋·aPanel + (i mod MR)·aRow + p·aStep`,
 * B(p, j) at `b + ⌊j/NR⌋·bPanel + 4·(j mod NR) + p·bStep`; C's row stride
 * `ldc` is in floats.
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
