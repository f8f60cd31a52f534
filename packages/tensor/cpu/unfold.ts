// CPU twins of the im2col (unfold) and col2im (fold) kernels.

import type { DType, TypedArray } from "../dtype.ts";
import { acquire } from "./pool.ts";
import type { UnfoldSpec } from "../backend.ts";

/** `[N, C, H, W]` → `[N, C·kh·kw, outH·outW]`. */
export function unfold(x: TypedArray, s: UnfoldSpec, dtype: DType): TypedArray {
  const L = s.outH * s.outW, rows = s.c * s.kh * s.kw;
  const out = acquire(dtype, s.n * rows * L);
  for (let b = 0; b < s.n; b++) {
    for (let ch = 0; ch < s.c; ch++) {
      const plane = (b * s.c + ch) * s.h * s.w;
      for (let ky = 0; ky < s.kh; ky++) {
        for (let kx = 0; kx < s.kw; kx++) {
          const r = (ch * s.kh + ky) * s.kw + kx;
          let o = s.batchInner ? (r * s.n + b) * L : (b * rows + r) * L;
          for (let oy = 0; oy < s.outH; oy++) {
            const y = oy * s.sh - s.ph + ky * s.dh;
            const inY = y >= 0 && y < s.h;
            for (let ox = 0; ox < s.outW; ox++, o++) {
              const xx = ox * s.sw - s.pw + kx * s.dw;
              out[o] = inY && xx >= 0 && xx < s.w ? x[plane + y * s.w + xx] : s.padValue;
            }
          }
        }
      }
    }
  }
  return out;
}

/** The adjoint of {@link unfold}: add every column entry back into its pixel. */
export function fold(cols: TypedArray, s: UnfoldSpec, dtype: DType): TypedArray {
  const L = s.outH * s.outW;
  const out = acquire(dtype, s.n * s.c * s.h * s.w);
  for (let b = 0; b < s.n; b++) {
    for (let ch = 0; ch < s.c; ch++) {
      const plane = (b * s.c + ch) * s.h * s.w;
      for (let ky = 0; ky < s.kh; ky++) {
        for (let kx = 0; kx < s.kw; kx++) {
          const r = (ch * s.kh + ky) * s.kw + kx;
          let o = s.batchInner ? (r * s.n + b) * L : (b * s.c * s.kh * s.kw + r) * L;
          for (let oy = 0; oy < s.outH; oy++) {
            const y = oy * s.sh - s.ph + ky * s.dh;
            const inY = y >= 0 && y < s.h;
            for (let ox = 0; ox < s.outW; ox++, o++) {
              const xx = ox * s.sw - s.pw + kx * s.dw;
              if (inY && xx >= 0 && xx < s.w) out[plane + y * s.w + xx] += cols[o];
            }
          }
        }
      }
    }
  }
  return out;
}

/** Max-pooling with the position of each maximum (first in window order on ties). */
export function maxPool(
  x: TypedArray,
  s: UnfoldSpec,
  dtype: DType,
): { out: TypedArray; argmax: TypedArray } {
  const L = s.outH * s.outW, planes = s.n * s.c;
  const out = acquire(dtype, planes * L), argmax = acquire(dtype, planes * L);
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
  return { out, argmax };
}

/** Each window's gradient added to the input pixel that won it. */
export function maxPoolBackward(
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
