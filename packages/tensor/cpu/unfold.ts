// CPU twins of the im2col (unfold) and col2im (fold) kernels.

import type { DType, TypedArray } from "../dtype.ts";
import { acquire } from "./pool.ts";
import type { UnfoldSpec } from "../backend.ts";
import { wasmFold, wasmMaxPool2x2, wasmMaxPoolScatter, wasmUnfold } from "./wasm_elementwise.ts";

/** The output columns `ox` whose input column `ox·sw − pw + kx·dw` lies inside `[0, w)`. */
function validRange(s: UnfoldSpec, kx: number): [number, number] {
  const off = kx * s.dw - s.pw;
  // at most outW: padding wider than the output leaves no valid column
  const lo = Math.min(s.outW, Math.max(0, Math.ceil(-off / s.sw)));
  const hi = Math.min(s.outW, Math.floor((s.w - 1 - off) / s.sw) + 1);
  return [lo, Math.max(lo, hi)];
}

/** `[N, C, H, W]` → `[N, C·kh·kw, outH·outW]` (or `[C·kh·kw, N, L]` with `batchInner`). */
export function unfold(x: TypedArray, s: UnfoldSpec, dtype: DType): TypedArray {
  const L = s.outH * s.outW, rows = s.c * s.kh * s.kw;
  // every entry is written below, padding included: no zero-filling pass first
  const out = acquire(dtype, s.n * rows * L, false);
  if (wasmUnfold(x, s, out)) return out;
  unfoldInto(x, s, out);
  return out;
}

/** The TypeScript loop of {@link unfold} (the reference for its WebAssembly twin). */
export function unfoldInto(x: TypedArray, s: UnfoldSpec, out: TypedArray): void {
  const L = s.outH * s.outW, rows = s.c * s.kh * s.kw;
  const pad = s.padValue;
  for (let b = 0; b < s.n; b++) {
    for (let ch = 0; ch < s.c; ch++) {
      const plane = (b * s.c + ch) * s.h * s.w;
      for (let ky = 0; ky < s.kh; ky++) {
        for (let kx = 0; kx < s.kw; kx++) {
          const r = (ch * s.kh + ky) * s.kw + kx;
          const base = s.batchInner ? (r * s.n + b) * L : (b * rows + r) * L;
          const [lo, hi] = validRange(s, kx);
          const off = kx * s.dw - s.pw;
          for (let oy = 0; oy < s.outH; oy++) {
            const y = oy * s.sh - s.ph + ky * s.dh;
            const o = base + oy * s.outW;
            if (y < 0 || y >= s.h) {
              out.fill(pad, o, o + s.outW);
              continue;
            }
            const row = plane + y * s.w + off;
            for (let ox = 0; ox < lo; ox++) out[o + ox] = pad;
            for (let ox = hi; ox < s.outW; ox++) out[o + ox] = pad;
            // set() pays a call per row; short rows (16 wide in a CNN's second layer) copy faster by hand
            if (s.sw === 1 && hi - lo >= 64) out.set(x.subarray(row + lo, row + hi), o + lo);
            else if (s.sw === 1) { for (let ox = lo; ox < hi; ox++) out[o + ox] = x[row + ox]; }
            else for (let ox = lo; ox < hi; ox++) out[o + ox] = x[row + ox * s.sw];
          }
        }
      }
    }
  }
}

/** The adjoint of {@link unfold}: add every column entry back into its pixel. */
export function fold(cols: TypedArray, s: UnfoldSpec, dtype: DType): TypedArray {
  const out = acquire(dtype, s.n * s.c * s.h * s.w);
  if (!wasmFold(cols, s, out)) foldInto(cols, s, out);
  return out;
}

/** The TypeScript loop of {@link fold}, adding into `out` (the reference for its WebAssembly twin). */
export function foldInto(cols: TypedArray, s: UnfoldSpec, out: TypedArray): void {
  const L = s.outH * s.outW, rows = s.c * s.kh * s.kw;
  for (let b = 0; b < s.n; b++) {
    for (let ch = 0; ch < s.c; ch++) {
      const plane = (b * s.c + ch) * s.h * s.w;
      for (let ky = 0; ky < s.kh; ky++) {
        for (let kx = 0; kx < s.kw; kx++) {
          const r = (ch * s.kh + ky) * s.kw + kx;
          const base = s.batchInner ? (r * s.n + b) * L : (b * rows + r) * L;
          const [lo, hi] = validRange(s, kx);
          const off = kx * s.dw - s.pw;
          for (let oy = 0; oy < s.outH; oy++) {
            const y = oy * s.sh - s.ph + ky * s.dh;
            if (y < 0 || y >= s.h) continue;
            const o = base + oy * s.outW, row = plane + y * s.w + off;
            if (s.sw === 1) { for (let ox = lo; ox < hi; ox++) out[row + ox] += cols[o + ox]; }
            else for (let ox = lo; ox < hi; ox++) out[row + ox * s.sw] += cols[o + ox];
          }
        }
      }
    }
  }
}

/** 2×2 windows at stride 2, without padding or dilation (every CNN's pooling here). */
function isPool2x2(s: UnfoldSpec): boolean {
  return s.kh === 2 && s.kw === 2 && s.sh === 2 && s.sw === 2 && s.ph === 0 && s.pw === 0 &&
    s.dh === 1 && s.dw === 1;
}

/** Max-pooling with the position of each maximum (first in window order on ties). */
export function maxPool(
  x: TypedArray,
  s: UnfoldSpec,
  dtype: DType,
): { out: TypedArray; argmax: TypedArray } {
  const L = s.outH * s.outW, planes = s.n * s.c;
  const out = acquire(dtype, planes * L, false), argmax = acquire(dtype, planes * L, false);
  if (isPool2x2(s) && 2 * s.outH <= s.h && 2 * s.outW <= s.w) {
    if (!wasmMaxPool2x2(x, s, out, argmax)) maxPool2x2(x, s, out, argmax);
  } else maxPoolWindows(x, s, out, argmax);
  return { out, argmax };
}

/** Max-pooling over any window geometry (the reference for {@link maxPool}'s fast path). */
export function maxPoolWindows(
  x: TypedArray,
  s: UnfoldSpec,
  out: TypedArray,
  argmax: TypedArray,
): void {
  const L = s.outH * s.outW, planes = s.n * s.c;
  for (let p = 0; p < planes; p++) {
    const plane = p * s.h * s.w;
    for (let oy = 0; oy < s.outH; oy++) {
      for (let ox = 0; ox < s.outW; ox++) {
        let best = -Infinity, at = -1;
        for (let ky = 0; ky < s.kh; ky++) {
          const y = oy * s.sh - s.ph + ky * s.dh;
          if (y < 0 || y >= s.h) continue;
          for (let kx = 0; kx < s.kw; kx++) {
            const xx = ox * s.sw - s.pw + kx * s.dw;
            if (xx < 0 || xx >= s.w) continue;
            const v = x[plane + y * s.w + xx];
            if (v > best || at < 0 || v !== v) {
              best = v;
              at = y * s.w + xx;
              if (v !== v) break;
            }
          }
        }
        const o = p * L + oy * s.outW + ox;
        out[o] = at < 0 ? -Infinity : best;
        argmax[o] = at;
      }
    }
  }
}

/**
 * The 2×2, stride-2 pooling of every CNN here, without the general loop's
 * bounds tests: the same choices as the general loop (the first of equals in
 * window order; a NaN wins and ends its window row).
 */
export function maxPool2x2(
  x: TypedArray,
  s: UnfoldSpec,
  out: TypedArray,
  argmax: TypedArray,
): void {
  const { h, w, outH, outW } = s, planes = s.n * s.c;
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const plane = p * h * w;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = 2 * oy * w;
      for (let ox = 0; ox < outW; ox++, o++) {
        const at0 = y0 + 2 * ox, at1 = at0 + w;
        let best = x[plane + at0], at = at0;
        if (best === best) {
          const v = x[plane + at0 + 1];
          if (v > best || v !== v) {
            best = v;
            at = at0 + 1;
          }
        }
        const c = x[plane + at1];
        if (c > best || c !== c) {
          best = c;
          at = at1;
        }
        if (c === c) {
          const d = x[plane + at1 + 1];
          if (d > best || d !== d) {
            best = d;
            at = at1 + 1;
          }
        }
        out[o] = best;
        argmax[o] = at;
      }
    }
  }
}

/** Each window's gradient added to the input pixel that won it. */
export function maxPoolBackward(
  g: TypedArray,
  argmax: TypedArray,
  s: UnfoldSpec,
  dtype: DType,
): TypedArray {
  // the windows tile the input: every pixel in exactly one
  if (isPool2x2(s) && 2 * s.outH === s.h && 2 * s.outW === s.w) {
    return maxPool2x2Backward(g, argmax, s, dtype);
  }
  return maxPoolBackwardWindows(g, argmax, s, dtype);
}

/** {@link maxPoolBackward} for any window geometry (the reference for its 2×2 fast path). */
export function maxPoolBackwardWindows(
  g: TypedArray,
  argmax: TypedArray,
  s: UnfoldSpec,
  dtype: DType,
): TypedArray {
  const L = s.outH * s.outW, planes = s.n * s.c;
  const dx = acquire(dtype, planes * s.h * s.w);
  for (let p = 0; p < planes; p++) {
    const plane = p * s.h * s.w;
    for (let o = 0; o < L; o++) {
      const at = argmax[p * L + o];
      if (at >= 0) dx[plane + at] += g[p * L + o];
    }
  }
  return dx;
}

/**
 * {@link maxPoolBackward} for 2×2, stride-2 windows that tile the input: each
 * pixel is in one window, so the windows are zeroed and their winners set one
 * by one, without a zero-filling pass over the whole input first. `g + 0` is
 * what the general loop's `0 + g` gives (−0 becomes +0).
 */
function maxPool2x2Backward(
  g: TypedArray,
  argmax: TypedArray,
  s: UnfoldSpec,
  dtype: DType,
): TypedArray {
  const { w, outH, outW } = s, planes = s.n * s.c;
  const dx = acquire(dtype, planes * s.h * w, false);
  if (wasmMaxPoolScatter(g, argmax, s, dx)) return dx;
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const plane = p * s.h * w;
    for (let oy = 0; oy < outH; oy++) {
      const top = 2 * oy * w;
      for (let ox = 0; ox < outW; ox++, o++) {
        // the window's four pixels zeroed, then the winner's gradient: no branch to mispredict
        const a = plane + top + 2 * ox, b = a + w;
        dx[a] = 0;
        dx[a + 1] = 0;
        dx[b] = 0;
        dx[b + 1] = 0;
        dx[plane + argmax[o]] = g[o] + 0;
      }
    }
  }
  return dx;
}
