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
          const row = ((b * s.c + ch) * s.kh + ky) * s.kw + kx;
          let o = row * L;
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
          let o = (((b * s.c + ch) * s.kh + ky) * s.kw + kx) * L;
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
