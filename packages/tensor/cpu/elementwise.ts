// CPU twins of the elementwise WGSL kernels: unary, binary with broadcasting, where.

import type { DType, TypedArray } from "../dtype.ts";
import { acquire } from "./pool.ts";
import type { AdamScalars, BinaryOp, UnaryOp } from "../backend.ts";
import { broadcastStrides, type Shape, sizeOf, stridesOf } from "../shape.ts";
import { coalesce } from "../strided.ts";
import { forEachRow } from "./_iterate.ts";
import {
  wasmAdam,
  wasmAxpy,
  wasmBinary,
  wasmBroadcast,
  wasmMomentum,
  wasmScalar,
  wasmUnary,
} from "./wasm_elementwise.ts";

/** `out[i] = op(x[i])`. */
export function unary(op: UnaryOp, x: TypedArray, dtype: DType): TypedArray {
  const n = x.length;
  const out = acquire(dtype, n, false);
  if (wasmUnary(op, x, out)) return out;
  switch (op) {
    case "neg":
      for (let i = 0; i < n; i++) out[i] = -x[i];
      break;
    case "exp":
      for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]);
      break;
    case "log":
      for (let i = 0; i < n; i++) out[i] = Math.log(x[i]);
      break;
    case "sqrt":
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]);
      break;
    case "abs":
      for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]);
      break;
    case "sign":
      for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? 1 : x[i] < 0 ? -1 : 0;
      break;
    case "sigmoid":
      // split by sign so exp never overflows: σ(x) = 1/(1+e^-x) = e^x/(1+e^x)
      for (let i = 0; i < n; i++) {
        const v = x[i];
        if (v >= 0) out[i] = 1 / (1 + Math.exp(-v));
        else {
          const e = Math.exp(v);
          out[i] = e / (1 + e);
        }
      }
      break;
    case "tanh":
      for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]);
      break;
    case "relu":
      for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? x[i] : 0;
      break;
    default:
      throw new TypeError(`Unknown unary op ${op as string}`);
  }
  return out;
}

function binaryRow(
  op: BinaryOp,
  out: TypedArray,
  o: number,
  a: TypedArray,
  ia: number,
  sa: number,
  b: TypedArray,
  ib: number,
  sb: number,
  n: number,
): void {
  // one loop per op, the switch outside it: these run over every element of every step
  switch (op) {
    case "add":
      for (let i = 0; i < n; i++) out[o + i] = a[ia + i * sa] + b[ib + i * sb];
      return;
    case "sub":
      for (let i = 0; i < n; i++) out[o + i] = a[ia + i * sa] - b[ib + i * sb];
      return;
    case "mul":
      for (let i = 0; i < n; i++) out[o + i] = a[ia + i * sa] * b[ib + i * sb];
      return;
    case "div":
      for (let i = 0; i < n; i++) out[o + i] = a[ia + i * sa] / b[ib + i * sb];
      return;
    case "pow":
      for (let i = 0; i < n; i++) out[o + i] = Math.pow(a[ia + i * sa], b[ib + i * sb]);
      return;
    case "maximum":
      for (let i = 0; i < n; i++) {
        const u = a[ia + i * sa], v = b[ib + i * sb];
        out[o + i] = u !== u || v !== v ? NaN : u > v ? u : v;
      }
      return;
    case "minimum":
      for (let i = 0; i < n; i++) {
        const u = a[ia + i * sa], v = b[ib + i * sb];
        out[o + i] = u !== u || v !== v ? NaN : u < v ? u : v;
      }
      return;
    case "eq":
      for (let i = 0; i < n; i++) out[o + i] = a[ia + i * sa] === b[ib + i * sb] ? 1 : 0;
      return;
    case "ne":
      for (let i = 0; i < n; i++) out[o + i] = a[ia + i * sa] !== b[ib + i * sb] ? 1 : 0;
      return;
    case "lt":
      for (let i = 0; i < n; i++) out[o + i] = a[ia + i * sa] < b[ib + i * sb] ? 1 : 0;
      return;
    case "le":
      for (let i = 0; i < n; i++) out[o + i] = a[ia + i * sa] <= b[ib + i * sb] ? 1 : 0;
      return;
    case "gt":
      for (let i = 0; i < n; i++) out[o + i] = a[ia + i * sa] > b[ib + i * sb] ? 1 : 0;
      return;
    case "ge":
      for (let i = 0; i < n; i++) out[o + i] = a[ia + i * sa] >= b[ib + i * sb] ? 1 : 0;
      return;
    case "reluGrad":
      for (let i = 0; i < n; i++) out[o + i] = b[ib + i * sb] > 0 ? a[ia + i * sa] : 0;
      return;
    case "sigmoidGrad":
      for (let i = 0; i < n; i++) {
        const v = b[ib + i * sb];
        out[o + i] = a[ia + i * sa] * (v * (1 - v));
      }
      return;
    default:
      throw new TypeError(`Unknown binary op ${op as string}`);
  }
}

/** `out = op(a, b)` broadcast to `outShape`. */
export function binary(
  op: BinaryOp,
  a: TypedArray,
  aShape: Shape,
  b: TypedArray,
  bShape: Shape,
  outShape: Shape,
  dtype: DType,
): TypedArray {
  const size = sizeOf(outShape);
  const out = acquire(dtype, size, false);
  if (size === 0) return out;
  // the common cases without index arithmetic: equal shapes, a scalar on either side
  if (a.length === size && b.length === size) {
    if (!wasmBinary(op, a, b, out)) binaryRow(op, out, 0, a, 0, 1, b, 0, 1, size);
    return out;
  }
  if (b.length === 1 && a.length === size) {
    if (!wasmScalar(op, a, b[0], out)) binaryRow(op, out, 0, a, 0, 1, b, 0, 0, size);
    return out;
  }
  if (a.length === 1 && b.length === size) {
    binaryRow(op, out, 0, a, 0, 0, b, 0, 1, size);
    return out;
  }
  const c = coalesce(outShape, [
    stridesOf(outShape),
    broadcastStrides(aShape, outShape),
    broadcastStrides(bShape, outShape),
  ]);
  const last = c.shape.length - 1;
  const n = c.shape[last], sa = c.strides[1][last], sb = c.strides[2][last];
  // contiguous [rows, n] blocks of a (and out), under at most one leading
  // axis, with a bias under every row (b's strides 0, 1: a linear layer's) or
  // one value per row (1, 0: a convolution's bias over each channel's
  // pixels): one WebAssembly call per block
  if (last === 1 || last === 2) {
    const r = last - 1, rows = c.shape[r], block = rows * n;
    const sbr = c.strides[2][r];
    const kind = sbr === 0 && sb === 1 ? "rows" : sbr === 1 && sb === 0 ? "cols" : null;
    const blocks = last === 1 ? 1 : c.shape[0];
    const sbo = last === 1 ? 0 : c.strides[2][0];
    if (
      kind && sa === 1 && c.strides[1][r] === n && (last === 1 || c.strides[1][0] === block) &&
      wasmBroadcast(op, kind, a, 0, b, 0, out, 0, rows, n)
    ) {
      for (let o = 1; o < blocks; o++) {
        wasmBroadcast(op, kind, a, o * block, b, o * sbo, out, o * block, rows, n);
      }
      return out;
    }
  }
  forEachRow(c, [0, 0, 0], (off) => {
    binaryRow(op, out, off[0], a, off[1], sa, b, off[2], sb, n);
  });
  return out;
}

/** `out = a + alpha·b`, same shapes. */
export function axpy(a: TypedArray, b: TypedArray, alpha: number, dtype: DType): TypedArray {
  const n = a.length;
  const out = acquire(dtype, n, false);
  if (wasmAxpy(a, b, alpha, out)) return out;
  for (let i = 0; i < n; i++) out[i] = a[i] + alpha * b[i];
  return out;
}

/** `a += alpha·b` in place, same shapes. */
export function axpyInPlace(a: TypedArray, b: TypedArray, alpha: number): void {
  // the kernel reads each lane of `a` before it writes it: `out = a` is safe
  if (wasmAxpy(a, b, alpha, a)) return;
  for (let i = 0; i < a.length; i++) a[i] += alpha * b[i];
}

/** `a = alpha·a + beta·b` in place, same shapes (one rounding, as axpy). */
export function axpbyInPlace(a: TypedArray, b: TypedArray, alpha: number, beta: number): void {
  for (let i = 0; i < a.length; i++) a[i] = alpha * a[i] + beta * b[i];
}

/**
 * One Adam step in place ({@link Backend.adamInPlace}): the composed ops'
 * loops (a scalar product, `a + α·b`, a square, a root, a sum, a quotient)
 * in one pass, each result rounded to the dtype where the op stored it, so
 * the same bits.
 */
export function adamInPlace(
  p: TypedArray,
  g: TypedArray,
  m: TypedArray,
  v: TypedArray,
  s: AdamScalars,
): void {
  if (p instanceof Float64Array) {
    adamLoop(p, g, m, v, s, (x) => x);
    return;
  }
  if (wasmAdam(p, g, m, v, s)) return;
  adamLoop(p, g, m, v, s, Math.fround);
}

function adamLoop(
  p: TypedArray,
  g: TypedArray,
  m: TypedArray,
  v: TypedArray,
  s: AdamScalars,
  round: (x: number) => number,
): void {
  // operands are rounded to the dtype; the sums' scales are not (axpy takes them as they are)
  const b1 = round(s.beta1), b2 = round(s.beta2), vScale = round(s.vScale), eps = round(s.eps);
  const a1 = 1 - s.beta1, a2 = 1 - s.beta2, step = s.step;
  for (let i = 0; i < p.length; i++) {
    const gi = g[i];
    const mi = round(round(m[i] * b1) + a1 * gi);
    const vi = round(round(v[i] * b2) + a2 * round(gi * gi));
    m[i] = mi;
    v[i] = vi;
    const denom = round(round(Math.sqrt(round(vi * vScale))) + eps);
    p[i] = round(p[i] + step * round(mi / denom));
  }
}

/**
 * One momentum step in place ({@link Backend.momentumInPlace}): the loops of
 * a product by an operand, `a + α·b` and `a + b` in one pass, each result
 * rounded where the op stored it, so the same bits as the three ops.
 */
export function momentumInPlace(
  p: TypedArray,
  g: TypedArray,
  m: TypedArray,
  momentum: number,
  step: number,
): void {
  if (wasmMomentum(p, g, m, momentum, step)) return; // float32 in the heap
  // as adamLoop: the operand rounded to the dtype, each result where its op stored it
  const round = p instanceof Float64Array ? (x: number) => x : Math.fround;
  const mu = round(momentum);
  for (let i = 0; i < p.length; i++) {
    const mi = round(round(m[i] * mu) + step * g[i]);
    m[i] = mi;
    p[i] = round(p[i] + mi);
  }
}

/** `out = cond != 0 ? a : b` broadcast to `outShape`. */
export function where(
  cond: TypedArray,
  condShape: Shape,
  a: TypedArray,
  aShape: Shape,
  b: TypedArray,
  bShape: Shape,
  outShape: Shape,
  dtype: DType,
): TypedArray {
  const out = acquire(dtype, sizeOf(outShape), false);
  if (out.length === 0) return out;
  const c = coalesce(outShape, [
    stridesOf(outShape),
    broadcastStrides(condShape, outShape),
    broadcastStrides(aShape, outShape),
    broadcastStrides(bShape, outShape),
  ]);
  const last = c.shape.length - 1;
  const n = c.shape[last];
  const sc = c.strides[1][last], sa = c.strides[2][last], sb = c.strides[3][last];
  forEachRow(c, [0, 0, 0, 0], (off) => {
    const o = off[0], ic = off[1], ia = off[2], ib = off[3];
    for (let i = 0; i < n; i++) {
      out[o + i] = cond[ic + i * sc] !== 0 ? a[ia + i * sa] : b[ib + i * sb];
    }
  });
  return out;
}
