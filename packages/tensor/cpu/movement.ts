// CPU twins of the data-movement kernels: strided copy, pad, concat, gather, scatter-add.

import type { DType, TypedArray } from "../dtype.ts";
import { acquire } from "./pool.ts";
import { type Shape, sizeOf, stridesOf } from "../shape.ts";
import { coalesce, type Coalesced } from "../strided.ts";
import { forEachRow } from "./_iterate.ts";
import { wasmCopyRuns } from "./wasm_elementwise.ts";
import { dataCopyIn, heapAddress } from "./wasm_memory.ts";

/** Materialise the strided view `x[offset + Σ i_d·strides[d]]` of shape `outShape`. */
export function copyStrided(
  x: TypedArray,
  outShape: Shape,
  strides: readonly number[],
  offset: number,
  dtype: DType,
): TypedArray {
  const out = acquire(dtype, sizeOf(outShape), false);
  if (out.length === 0) return out;
  const c = coalesce(outShape, [stridesOf(outShape), strides]);
  const last = c.shape.length - 1, n = c.shape[last], s = c.strides[1][last];
  if (s === 1 && last >= 1 && copyRunsFast(x, c, offset, out)) return out;
  forEachRow(c, [0, offset], (off) => {
    const o = off[0], i0 = off[1];
    if (s === 1) out.set(x.subarray(i0, i0 + n), o);
    else for (let i = 0; i < n; i++) out[o + i] = x[i0 + i * s];
  });
  return out;
}

/**
 * A strided copy whose rows are contiguous runs, as WebAssembly runs of
 * memory.copy: one call per block of blocks of rows (the two axes before
 * the last); false when the kernels do not apply.
 */
function copyRunsFast(x: TypedArray, c: Coalesced, offset: number, out: TypedArray): boolean {
  const rank = c.shape.length, n = c.shape[rank - 1];
  const rows = c.shape[rank - 2], stride = c.strides[1][rank - 2];
  if (rank === 2) return wasmCopyRuns(x, offset, stride, out, 0, n, rows);
  const blocks = c.shape[rank - 3], blockStride = c.strides[1][rank - 3];
  const outer = { shape: c.shape.slice(0, -2), strides: c.strides.map((s) => s.slice(0, -2)) };
  // the same arrays every call: the first says whether the kernels apply
  let ok = true;
  // the output is contiguous: a block's rows follow one another
  forEachRow(outer, [0, offset], (off) => {
    ok = ok && wasmCopyRuns(x, off[1], stride, out, off[0], n, rows, blocks, blockStride);
  });
  return ok;
}

/** Constant padding of `x` (shape `shape`) into `outShape`, offset by `before`. */
export function pad(
  x: TypedArray,
  shape: Shape,
  before: readonly number[],
  outShape: Shape,
  value: number,
  dtype: DType,
): TypedArray {
  const out = acquire(dtype, sizeOf(outShape));
  if (value !== 0) out.fill(value);
  if (x.length === 0) return out;
  const outStrides = stridesOf(outShape);
  let base = 0;
  for (let d = 0; d < shape.length; d++) base += before[d] * outStrides[d];
  const c = coalesce(shape, [stridesOf(shape), outStrides]);
  const last = c.shape.length - 1, n = c.shape[last];
  forEachRow(c, [0, base], (off) => out.set(x.subarray(off[0], off[0] + n), off[1]));
  return out;
}

/** Join `[outer, sizes[i], inner]` arrays along the middle axis. */
export function concat(
  xs: readonly TypedArray[],
  outer: number,
  sizes: readonly number[],
  inner: number,
  dtype: DType,
): TypedArray {
  const total = sizes.reduce((s, v) => s + v, 0);
  const out = acquire(dtype, outer * total * inner, false);
  for (let o = 0; o < outer; o++) {
    let at = o * total * inner;
    xs.forEach((x, i) => {
      const len = sizes[i] * inner;
      out.set(x.subarray(o * len, (o + 1) * len), at);
      at += len;
    });
  }
  return out;
}

function checkIndex(v: number, n: number, op: string): number {
  if (!(v >= 0 && v < n) || v !== Math.floor(v)) {
    throw new RangeError(`Cannot ${op}: index ${v} is outside [0, ${n})`);
  }
  return v;
}

/** `out[o, j, i] = x[o, idx[o, j, i], i]`. */
export function gather(
  x: TypedArray,
  idx: TypedArray,
  outer: number,
  n: number,
  k: number,
  inner: number,
  dtype: DType,
): TypedArray {
  const out = acquire(dtype, outer * k * inner, false);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const row = (o * k + j) * inner;
      for (let i = 0; i < inner; i++) {
        const t = checkIndex(idx[row + i], n, "gather");
        out[row + i] = x[(o * n + t) * inner + i];
      }
    }
  }
  return out;
}

/** Slices shorter than this are copied element by element. */
const SHORT_SLICE = 64;

/** `out[o, j, i] = x[o, positions[j], i]`: whole slices copied at once. */
export function take(
  x: TypedArray,
  positions: TypedArray,
  outer: number,
  n: number,
  k: number,
  inner: number,
  dtype: DType,
): TypedArray {
  const out = acquire(dtype, outer * k * inner, false);
  for (let j = 0; j < k; j++) checkIndex(positions[j], n, "take");
  // short slices (labels, one-hot rows) by element: a view and a copy call per slice cost more
  const byElement = inner < SHORT_SLICE;
  // a batch of a dataset's rows into the kernels' heap: memory.copy from the dataset's memory
  const copyIn = byElement ? undefined : dataCopyIn(x);
  const dst = copyIn ? heapAddress(out) : -1;
  if (copyIn && dst >= 0) {
    const bpe = x.BYTES_PER_ELEMENT, bytes = inner * bpe;
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < k; j++) {
        copyIn(dst + (o * k + j) * bytes, x.byteOffset + (o * n + positions[j]) * bytes, bytes);
      }
    }
    return out;
  }
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const src = (o * n + positions[j]) * inner, dst = (o * k + j) * inner;
      if (byElement) { for (let i = 0; i < inner; i++) out[dst + i] = x[src + i]; }
      else out.set(x.subarray(src, src + inner), dst);
    }
  }
  return out;
}

/** `out[o, idx[o, j, i], i] += g[o, j, i]` into a zeroed `[outer, n, inner]`. */
export function scatterAdd(
  g: TypedArray,
  idx: TypedArray,
  outer: number,
  n: number,
  k: number,
  inner: number,
  dtype: DType,
): TypedArray {
  const out = acquire(dtype, outer * n * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const row = (o * k + j) * inner;
      for (let i = 0; i < inner; i++) {
        const t = checkIndex(idx[row + i], n, "scatter-add");
        out[(o * n + t) * inner + i] += g[row + i];
      }
    }
  }
  return out;
}
