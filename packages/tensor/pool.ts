/**
 * Pooling composed from `unfold`: max, average and adaptive average.
 *
 * @module
 */

import { noGrad, record } from "./autograd.ts";
import { allocArray } from "./dtype.ts";
import { type Pair, pair, unfold, unfoldSpec } from "./conv.ts";
import { formatShape } from "./shape.ts";
import { Tensor } from "./tensor.ts";

/** Options of the pooling ops. */
export interface PoolOptions {
  /** Stride (default: the kernel size). */
  stride?: Pair;
  /** Padding on each side (default 0). */
  padding?: Pair;
  /** Round the output size up, as PyTorch's `ceil_mode`. */
  ceilMode?: boolean;
}

function poolOptions(op: string, kernel: Pair, o: PoolOptions, padValue: number) {
  const k = pair("kernel", kernel, 1);
  const p = pair("padding", o.padding ?? 0, 0);
  if (p[0] * 2 > k[0] || p[1] * 2 > k[1]) {
    throw new RangeError(`${op}: padding ${p} must be at most half the kernel ${k}`);
  }
  return { kernel: k, stride: o.stride ?? k, padding: p, ceilMode: o.ceilMode, padValue };
}

function poolSpec(op: string, x: Tensor, kernel: Pair, o: PoolOptions, padValue: number) {
  return unfoldSpec(op, x.shape, poolOptions(op, kernel, o, padValue));
}

function windows(op: string, x: Tensor, kernel: Pair, o: PoolOptions, padValue: number) {
  const opts = poolOptions(op, kernel, o, padValue);
  const spec = unfoldSpec(op, x.shape, opts);
  using cols = unfold(x, opts);
  const grouped = cols.reshape([spec.n, spec.c, spec.kh * spec.kw, spec.outH * spec.outW]);
  return { spec, grouped };
}

/**
 * Max-pooling of NCHW input (padding never wins). A fused primitive: each
 * window's maximum and its position, whose gradient goes to that position
 * alone (ties: the first in window order). It equals {@link maxPool2dComposed}
 * wherever the maximum is unique, and is several times faster.
 *
 * @param x `[N, C, H, W]`.
 * @param kernel Window size.
 * @param options Stride, padding, ceilMode.
 * @returns `[N, C, outH, outW]`.
 */
export function maxPool2d(x: Tensor, kernel: Pair, options: PoolOptions = {}): Tensor {
  const spec = poolSpec("maxPool2d", x, kernel, options, -Infinity);
  const { out, argmax } = x.backend.maxPool(x.buffer, spec, x.dtype);
  const shape = [spec.n, spec.c, spec.outH, spec.outW];
  const idx = new Tensor(argmax, shape, x.dtype, x.backend);
  const result = record(new Tensor(out, shape, x.dtype, x.backend), [x], "maxPool2d", (save) => {
    const at = save(idx);
    return (
      g,
    ) => [
      new Tensor(
        g.backend.maxPoolBackward(g.buffer, at.buffer, spec, g.dtype),
        x.shape,
        g.dtype,
        g.backend,
      ),
    ];
  });
  idx.dispose();
  return result;
}

/** Max-pooling composed from `unfold` and `max` (the reference the fused {@link maxPool2d} is tested against). */
export function maxPool2dComposed(x: Tensor, kernel: Pair, options: PoolOptions = {}): Tensor {
  const { spec, grouped } = windows("maxPool2d", x, kernel, options, -Infinity);
  using g = grouped;
  using m = g.max(2);
  return m.reshape([spec.n, spec.c, spec.outH, spec.outW]);
}

/**
 * Average-pooling of NCHW input. Padding counts towards the divisor
 * (`countIncludePad`, PyTorch's default) unless turned off; windows that run
 * past the padding under `ceilMode` divide by their size inside it.
 *
 * @param x `[N, C, H, W]`.
 * @param kernel Window size.
 * @param options Stride, padding, ceilMode, countIncludePad.
 * @returns `[N, C, outH, outW]`.
 */
export function avgPool2d(
  x: Tensor,
  kernel: Pair,
  options: PoolOptions & { countIncludePad?: boolean } = {},
): Tensor {
  const { spec, grouped } = windows("avgPool2d", x, kernel, options, 0);
  const include = options.countIncludePad ?? true;
  const inv = allocArray(x.dtype, spec.outH * spec.outW);
  for (let oy = 0; oy < spec.outH; oy++) {
    for (let ox = 0; ox < spec.outW; ox++) {
      let y0 = oy * spec.sh - spec.ph, x0 = ox * spec.sw - spec.pw;
      let y1 = Math.min(y0 + spec.kh, spec.h + spec.ph),
        x1 = Math.min(x0 + spec.kw, spec.w + spec.pw);
      if (!include) {
        y0 = Math.max(y0, 0);
        x0 = Math.max(x0, 0);
        y1 = Math.min(y1, spec.h);
        x1 = Math.min(x1, spec.w);
      }
      inv[oy * spec.outW + ox] = 1 / ((y1 - y0) * (x1 - x0));
    }
  }
  using g = grouped;
  using s = g.sum(2);
  using scale = new Tensor(x.backend.upload(inv), [spec.outH * spec.outW], x.dtype, x.backend);
  using avg = s.mul(scale);
  return avg.reshape([spec.n, spec.c, spec.outH, spec.outW]);
}

/** Rows of the averaging matrix for an adaptive pool from `size` to `out`. */
function averagingMatrix(size: number, out: number, like: Tensor): Tensor {
  const m = allocArray(like.dtype, out * size);
  for (let i = 0; i < out; i++) {
    const start = Math.floor((i * size) / out), end = Math.ceil(((i + 1) * size) / out);
    for (let j = start; j < end; j++) m[i * size + j] = 1 / (end - start);
  }
  return new Tensor(like.backend.upload(m), [out, size], like.dtype, like.backend);
}

/**
 * Adaptive average pooling to a fixed output size, with PyTorch's windows
 * (`floor(i·H/out)` to `ceil((i+1)·H/out)`). Separable, so it is two matmuls.
 *
 * @param x `[N, C, H, W]`.
 * @param outputSize `[outH, outW]` or one number for both.
 * @returns `[N, C, outH, outW]`.
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: Pair): Tensor {
  if (x.rank !== 4) {
    throw new TypeError(`adaptiveAvgPool2d expects NCHW input, got ${formatShape(x.shape)}`);
  }
  const [oh, ow] = pair("outputSize", outputSize, 1);
  const [, , h, w] = x.shape;
  using ah = noGrad(() => averagingMatrix(h, oh, x));
  using aw = noGrad(() => averagingMatrix(w, ow, x));
  using rows = x.matmul(aw, { transB: true });
  return ah.matmul(rows);
}
