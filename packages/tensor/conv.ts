/**
 * Convolution through im2col: `unfold` and its adjoint `fold` are the
 * primitives (each the other's gradient), and `conv2d` is unfold → matmul.
 *
 * @module
 */

import { record } from "./autograd.ts";
import type { UnfoldSpec } from "./backend.ts";
import { formatShape, type Shape } from "./shape.ts";
import type { Tensor } from "./tensor.ts";
import { checkCompatible, wrap } from "./_operand.ts";
import { matmulBias } from "./matmul.ts";

/** One number for both spatial axes, or `[vertical, horizontal]`. */
export type Pair = number | readonly [number, number];

/** Expand a {@link Pair}. */
export function pair(name: string, v: Pair, min: number): [number, number] {
  const p: [number, number] = typeof v === "number" ? [v, v] : [v[0], v[1]];
  if (!p.every((x) => Number.isInteger(x) && x >= min)) {
    throw new RangeError(`${name} must be an integer ≥ ${min} (or a pair of them), got ${v}`);
  }
  return p;
}

/**
 * Output extent of a sliding window, as PyTorch computes it.
 *
 * @param size Input extent.
 * @param kernel Window extent.
 * @param stride Step.
 * @param padding Padding on each side.
 * @param dilation Spacing of the window taps.
 * @param ceilMode Round up, keeping the last window starting inside the input or left padding.
 * @returns The number of window positions.
 */
export function windowCount(
  size: number,
  kernel: number,
  stride: number,
  padding: number,
  dilation = 1,
  ceilMode = false,
): number {
  const span = size + 2 * padding - dilation * (kernel - 1) - 1;
  let out = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceilMode && (out - 1) * stride >= size + padding) out--;
  return out;
}

/** Window geometry for {@link unfold}. */
export interface WindowOptions {
  /** Kernel size. */
  kernel: Pair;
  /** Stride (default 1). */
  stride?: Pair;
  /** Zero padding on each side (default 0). */
  padding?: Pair;
  /** Dilation (default 1). */
  dilation?: Pair;
  /** Round the output size up (pooling). */
  ceilMode?: boolean;
  /** Value read outside the input (default 0). */
  padValue?: number;
}

/** Resolve window options against an NCHW input shape. */
export function unfoldSpec(op: string, shape: Shape, o: WindowOptions): UnfoldSpec {
  if (shape.length !== 4) {
    throw new TypeError(`${op} expects an NCHW tensor of rank 4, got ${formatShape(shape)}`);
  }
  const [n, c, h, w] = shape;
  const [kh, kw] = pair("kernel", o.kernel, 1);
  const [sh, sw] = pair("stride", o.stride ?? 1, 1);
  const [ph, pw] = pair("padding", o.padding ?? 0, 0);
  const [dh, dw] = pair("dilation", o.dilation ?? 1, 1);
  const outH = windowCount(h, kh, sh, ph, dh, o.ceilMode);
  const outW = windowCount(w, kw, sw, pw, dw, o.ceilMode);
  if (outH <= 0 || outW <= 0) {
    throw new RangeError(
      `${op}: a ${kh}×${kw} window does not fit an input of ${h}×${w} with padding ${ph}×${pw}`,
    );
  }
  return { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, outH, outW, padValue: o.padValue ?? 0 };
}

function unfoldWith(x: Tensor, spec: UnfoldSpec): Tensor {
  const shape = [spec.n, spec.c * spec.kh * spec.kw, spec.outH * spec.outW];
  const out = wrap(x.backend.unfold(x.buffer, spec, x.dtype), shape, x);
  return record(out, [x], "unfold", () => (g) => [foldWith(g, spec)]);
}

function foldWith(cols: Tensor, spec: UnfoldSpec): Tensor {
  const out = wrap(cols.backend.fold(cols.buffer, spec, cols.dtype), [
    spec.n,
    spec.c,
    spec.h,
    spec.w,
  ], cols);
  return record(out, [cols], "fold", () => (g) => [unfoldWith(g, { ...spec, padValue: 0 })]);
}

/**
 * im2col: every sliding window of an NCHW tensor as a column.
 *
 * @param x `[N, C, H, W]`.
 * @param options Window geometry.
 * @returns `[N, C·kh·kw, outH·outW]`, rows ordered by channel, then kernel row, then column.
 */
export function unfold(x: Tensor, options: WindowOptions): Tensor {
  return unfoldWith(x, unfoldSpec("unfold", x.shape, options));
}

/**
 * col2im: the adjoint of {@link unfold}, summing overlapping windows.
 *
 * @param cols `[N, C·kh·kw, L]`.
 * @param outputSize `[H, W]` of the image.
 * @param options Window geometry (as given to unfold).
 * @returns `[N, C, H, W]`.
 */
export function fold(
  cols: Tensor,
  outputSize: readonly [number, number],
  options: WindowOptions,
): Tensor {
  const [kh, kw] = pair("kernel", options.kernel, 1);
  if (cols.rank !== 3 || cols.shape[1] % (kh * kw) !== 0) {
    throw new TypeError(`fold expects [N, C·${kh}·${kw}, L], got ${formatShape(cols.shape)}`);
  }
  const c = cols.shape[1] / (kh * kw);
  const spec = unfoldSpec("fold", [cols.shape[0], c, outputSize[0], outputSize[1]], options);
  if (spec.outH * spec.outW !== cols.shape[2]) {
    throw new TypeError(
      `fold: ${cols.shape[2]} columns do not match ${spec.outH}×${spec.outW} windows`,
    );
  }
  return foldWith(cols, spec);
}

/** Options of {@link conv2d}. */
export interface Conv2dOptions {
  /** Stride (default 1). */
  stride?: Pair;
  /** Zero padding (default 0). */
  padding?: Pair;
  /** Dilation (default 1). */
  dilation?: Pair;
}

/**
 * 2-D convolution (cross-correlation, as in PyTorch) of NCHW input.
 *
 * @param x `[N, C, H, W]`.
 * @param weight `[O, C, kh, kw]`.
 * @param bias `[O]`, or null.
 * @param options Stride, padding, dilation.
 * @returns `[N, O, outH, outW]`.
 */
export function conv2d(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  options: Conv2dOptions = {},
): Tensor {
  checkCompatible("conv2d", bias ? [x, weight, bias] : [x, weight]);
  if (weight.rank !== 4 || x.rank !== 4 || weight.shape[1] !== x.shape[1]) {
    throw new TypeError(
      `Cannot conv2d input ${formatShape(x.shape)} with weight ${
        formatShape(weight.shape)
      }: expected [N, C, H, W] and [O, C, kh, kw]`,
    );
  }
  const [o, c, kh, kw] = weight.shape;
  if (bias && (bias.rank !== 1 || bias.shape[0] !== o)) {
    throw new TypeError(`Cannot conv2d with bias ${formatShape(bias.shape)}: expected (${o})`);
  }
  const spec = unfoldSpec("conv2d", x.shape, { kernel: [kh, kw], ...options });
  const pointwise = kh === 1 && kw === 1 && spec.sh === 1 && spec.sw === 1 && spec.ph === 0 &&
    spec.pw === 0;
  // the whole batch as one product: columns laid out [C·kh·kw, N·L], W·cols is [O, N·L]
  const L = spec.outH * spec.outW;
  using cols = pointwise
    ? channelsFirst(x, spec.n, c, L)
    : unfoldWith(x, { ...spec, batchInner: true });
  using flat = cols.reshape([c * kh * kw, spec.n * L]);
  using w2 = weight.reshape([o, c * kh * kw]);
  // the bias per output channel: a row of the product
  using y = bias ? matmulBias(w2, flat, bias, { on: "rows" }) : w2.matmul(flat);
  using onl = y.reshape([o, spec.n, L]);
  using nol = onl.permute([1, 0, 2]);
  return nol.reshape([spec.n, o, spec.outH, spec.outW]);
}

/** `[N, C, H, W]` as `[C, N·H·W]` (the columns of a 1×1 convolution). */
function channelsFirst(x: Tensor, n: number, c: number, l: number): Tensor {
  using v = x.reshape([n, c, l]);
  return v.permute([1, 0, 2]);
}
