// CPU twin of the batch-norm kernels: statistics and normalisation in two
// passes over the data, the gradient in two more.

import type { DType, TypedArray } from "../dtype.ts";
import { acquire } from "./pool.ts";

/** Batch statistics, then `y = (x − mean)·invstd·weight + bias`, per channel of `[N, C, inner]`. */
export function batchNorm(
  x: TypedArray,
  weight: TypedArray,
  bias: TypedArray,
  n: number,
  c: number,
  inner: number,
  eps: number,
  dtype: DType,
): { y: TypedArray; mean: TypedArray; invstd: TypedArray } {
  const y = acquire(dtype, x.length), mean = acquire(dtype, c), invstd = acquire(dtype, c);
  const m = n * inner;
  for (let ch = 0; ch < c; ch++) {
    let sum = 0;
    for (let b = 0; b < n; b++) {
      const o = (b * c + ch) * inner;
      for (let i = 0; i < inner; i++) sum += x[o + i];
    }
    const mu = sum / m;
    let sq = 0;
    for (let b = 0; b < n; b++) {
      const o = (b * c + ch) * inner;
      for (let i = 0; i < inner; i++) {
        const d = x[o + i] - mu;
        sq += d * d;
      }
    }
    const is = 1 / Math.sqrt(sq / m + eps);
    mean[ch] = mu;
    invstd[ch] = is;
    const scale = is * weight[ch], shift = bias[ch] - mu * scale;
    for (let b = 0; b < n; b++) {
      const o = (b * c + ch) * inner;
      for (let i = 0; i < inner; i++) y[o + i] = x[o + i] * scale + shift;
    }
  }
  return { y, mean, invstd };
}

/** The batch-norm gradient. */
export function batchNormBackward(
  g: TypedArray,
  x: TypedArray,
  mean: TypedArray,
  invstd: TypedArray,
  weight: TypedArray,
  n: number,
  c: number,
  inner: number,
  dtype: DType,
): { dx: TypedArray; dweight: TypedArray; dbias: TypedArray } {
  const dx = acquire(dtype, x.length), dweight = acquire(dtype, c), dbias = acquire(dtype, c);
  const m = n * inner;
  for (let ch = 0; ch < c; ch++) {
    const mu = mean[ch], is = invstd[ch];
    let sg = 0, sgx = 0;
    for (let b = 0; b < n; b++) {
      const o = (b * c + ch) * inner;
      for (let i = 0; i < inner; i++) {
        sg += g[o + i];
        sgx += g[o + i] * (x[o + i] - mu) * is;
      }
    }
    dbias[ch] = sg;
    dweight[ch] = sgx;
    const k = weight[ch] * is, a = sg / m, bb = sgx / m;
    for (let b = 0; b < n; b++) {
      const o = (b * c + ch) * inner;
      for (let i = 0; i < inner; i++) dx[o + i] = k * (g[o + i] - a - (x[o + i] - mu) * is * bb);
    }
  }
  return { dx, dweight, dbias };
}
