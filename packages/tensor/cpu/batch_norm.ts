// CPU twin of the batch-norm kernels: statistics and normalisation in two
// passes over the data, the gradient in two more.

import type { DType, TypedArray } from "../dtype.ts";
import { acquire } from "./pool.ts";
import {
  wasmBatchNormApply,
  wasmBatchNormGrad,
  wasmBatchNormGradSums,
  wasmBatchNormStats,
} from "./wasm_elementwise.ts";

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
  // every entry of y is written below: no zero-filling pass first
  const y = acquire(dtype, x.length, false), mean = acquire(dtype, c), invstd = acquire(dtype, c);
  const m = n * inner;
  const t = { x, y, weight, bias, mean, invstd, n, c, inner, eps };
  // the WebAssembly kernels: the statistics, each channel's constants here, then y
  const stats = wasmBatchNormStats(x, n, c, inner);
  if (stats) {
    for (let ch = 0; ch < c; ch++) {
      // in place: a channel's (mean, variance) become its (scale, shift)
      [stats[2 * ch], stats[2 * ch + 1]] = channelConstants(
        t,
        ch,
        stats[2 * ch],
        stats[2 * ch + 1],
      );
    }
    if (wasmBatchNormApply(x, y, n, c, inner, stats, 0)) return { y, mean, invstd };
  }
  // the statistics of four channels side by side: four independent chains of additions
  // instead of one that waits on itself, each channel's sums in the one-channel loop's order
  let ch = 0;
  for (; ch + 4 <= c; ch += 4) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let b = 0; b < n; b++) {
      const o0 = (b * c + ch) * inner, o1 = o0 + inner, o2 = o1 + inner, o3 = o2 + inner;
      for (let i = 0; i < inner; i++) {
        s0 += x[o0 + i];
        s1 += x[o1 + i];
        s2 += x[o2 + i];
        s3 += x[o3 + i];
      }
    }
    const m0 = s0 / m, m1 = s1 / m, m2 = s2 / m, m3 = s3 / m;
    let q0 = 0, q1 = 0, q2 = 0, q3 = 0;
    for (let b = 0; b < n; b++) {
      const o0 = (b * c + ch) * inner, o1 = o0 + inner, o2 = o1 + inner, o3 = o2 + inner;
      for (let i = 0; i < inner; i++) {
        const d0 = x[o0 + i] - m0, d1 = x[o1 + i] - m1, d2 = x[o2 + i] - m2, d3 = x[o3 + i] - m3;
        q0 += d0 * d0;
        q1 += d1 * d1;
        q2 += d2 * d2;
        q3 += d3 * d3;
      }
    }
    normalize(t, ch, m0, q0 / m);
    normalize(t, ch + 1, m1, q1 / m);
    normalize(t, ch + 2, m2, q2 / m);
    normalize(t, ch + 3, m3, q3 / m);
  }
  for (; ch < c; ch++) {
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
    normalize(t, ch, mu, sq / m);
  }
  return { y, mean, invstd };
}

/** What the forward pass reads and writes. */
interface Forward {
  x: TypedArray;
  y: TypedArray;
  weight: TypedArray;
  bias: TypedArray;
  mean: TypedArray;
  invstd: TypedArray;
  n: number;
  c: number;
  inner: number;
  eps: number;
}

/** One channel's statistics stored, and its `[scale, shift]`, from its mean and variance. */
function channelConstants(t: Forward, ch: number, mu: number, variance: number): [number, number] {
  const is = 1 / Math.sqrt(variance + t.eps);
  t.mean[ch] = mu;
  t.invstd[ch] = is;
  const scale = is * t.weight[ch];
  return [scale, t.bias[ch] - mu * scale];
}

/** One channel's statistics stored and its values normalised, from its mean and variance. */
function normalize(t: Forward, ch: number, mu: number, variance: number): void {
  const { x, y, n, c, inner } = t;
  const [scale, shift] = channelConstants(t, ch, mu, variance);
  for (let b = 0; b < n; b++) {
    const o = (b * c + ch) * inner;
    for (let i = 0; i < inner; i++) y[o + i] = x[o + i] * scale + shift;
  }
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
  // every entry of dx is written below: no zero-filling pass first
  const dx = acquire(dtype, x.length, false),
    dweight = acquire(dtype, c),
    dbias = acquire(dtype, c);
  const out = { g, x, mean, invstd, weight, dx, dweight, dbias, n, c, inner };
  // the WebAssembly kernels: the two sums, each channel's constants here, then dx
  const sums = wasmBatchNormGradSums(g, x, mean, invstd, n, c, inner, 5 * c);
  if (sums) {
    for (let ch = 0; ch < c; ch++) {
      sums.set(gradConstants(out, ch, sums[2 * ch], sums[2 * ch + 1]), 2 * c + 5 * ch);
    }
    if (wasmBatchNormGrad(g, x, dx, n, c, inner, sums, 2 * c)) return { dx, dweight, dbias };
  }
  // the sums of four channels side by side, each in the one-channel loop's order
  let ch = 0;
  for (; ch + 4 <= c; ch += 4) {
    const u0 = mean[ch], u1 = mean[ch + 1], u2 = mean[ch + 2], u3 = mean[ch + 3];
    const i0 = invstd[ch], i1 = invstd[ch + 1], i2 = invstd[ch + 2], i3 = invstd[ch + 3];
    let g0 = 0, g1 = 0, g2 = 0, g3 = 0, h0 = 0, h1 = 0, h2 = 0, h3 = 0;
    for (let b = 0; b < n; b++) {
      const o0 = (b * c + ch) * inner, o1 = o0 + inner, o2 = o1 + inner, o3 = o2 + inner;
      for (let i = 0; i < inner; i++) {
        g0 += g[o0 + i];
        h0 += g[o0 + i] * (x[o0 + i] - u0) * i0;
        g1 += g[o1 + i];
        h1 += g[o1 + i] * (x[o1 + i] - u1) * i1;
        g2 += g[o2 + i];
        h2 += g[o2 + i] * (x[o2 + i] - u2) * i2;
        g3 += g[o3 + i];
        h3 += g[o3 + i] * (x[o3 + i] - u3) * i3;
      }
    }
    channelGradient(out, ch, g0, h0);
    channelGradient(out, ch + 1, g1, h1);
    channelGradient(out, ch + 2, g2, h2);
    channelGradient(out, ch + 3, g3, h3);
  }
  for (; ch < c; ch++) {
    const mu = mean[ch], is = invstd[ch];
    let sg = 0, sgx = 0;
    for (let b = 0; b < n; b++) {
      const o = (b * c + ch) * inner;
      for (let i = 0; i < inner; i++) {
        sg += g[o + i];
        sgx += g[o + i] * (x[o + i] - mu) * is;
      }
    }
    channelGradient(out, ch, sg, sgx);
  }
  return { dx, dweight, dbias };
}

/** What the backward pass reads and writes. */
interface Backward {
  g: TypedArray;
  x: TypedArray;
  mean: TypedArray;
  invstd: TypedArray;
  weight: TypedArray;
  dx: TypedArray;
  dweight: TypedArray;
  dbias: TypedArray;
  n: number;
  c: number;
  inner: number;
}

/**
 * One channel's parameter gradients stored, and its input gradient's
 * constants `[k, a, μ, s, b]` (`dx = k·((g − a) − ((x − μ)·s)·b)`), from its two sums.
 */
function gradConstants(
  t: Backward,
  ch: number,
  sg: number,
  sgx: number,
): [number, number, number, number, number] {
  t.dbias[ch] = sg;
  t.dweight[ch] = sgx;
  const mu = t.mean[ch], is = t.invstd[ch], m = t.n * t.inner;
  return [t.weight[ch] * is, sg / m, mu, is, sgx / m];
}

/** One channel's parameter gradients stored and its input gradient written, from its two sums. */
function channelGradient(t: Backward, ch: number, sg: number, sgx: number): void {
  const { g, x, dx, n, c, inner } = t;
  const [k, a, mu, is, bb] = gradConstants(t, ch, sg, sgx);
  for (let b = 0; b < n; b++) {
    const o = (b * c + ch) * inner;
    for (let i = 0; i < inner; i++) dx[o + i] = k * (g[o + i] - a - (x[o + i] - mu) * is * bb);
  }
}
