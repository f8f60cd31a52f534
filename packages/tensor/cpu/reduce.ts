// CPU twin of the reduction kernel: reduce the middle axis of [outer, n, inner].

import type { DType, TypedArray } from "../dtype.ts";
import { acquire } from "./pool.ts";
import type { ReduceOp } from "../backend.ts";
import { wasmMaxRows, wasmSumColumns, wasmSumRows } from "./wasm_elementwise.ts";

/** The float64 running sums of a reduction down columns, kept for the next one. */
let sums = new Float64Array(64);

/** Reduce `x` viewed as `[outer, n, inner]` to `[outer, inner]`. */
export function reduce(
  op: ReduceOp,
  x: TypedArray,
  outer: number,
  n: number,
  inner: number,
  dtype: DType,
): TypedArray {
  const out = acquire(dtype, outer * inner, false);
  if (op === "sum" && inner === 1) {
    if (wasmSumRows(x, out, outer, n)) return out;
    // whole rows: one running sum each (in float64, so long float32 sums keep their digits),
    // four rows side by side: four independent chains of additions instead of one that waits
    // on itself, each row's in its own order
    let o = 0;
    for (; o + 4 <= outer; o += 4) {
      const b0 = o * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      for (let j = 0; j < n; j++) {
        a0 += x[b0 + j];
        a1 += x[b1 + j];
        a2 += x[b2 + j];
        a3 += x[b3 + j];
      }
      out[o] = a0;
      out[o + 1] = a1;
      out[o + 2] = a2;
      out[o + 3] = a3;
    }
    for (; o < outer; o++) {
      let acc = 0;
      const base = o * n;
      for (let j = 0; j < n; j++) acc += x[base + j];
      out[o] = acc;
    }
    return out;
  }
  if (op === "sum") {
    if (wasmSumColumns(x, out, outer, n, inner)) return out;
    // accumulate in float64 so long float32 sums keep their digits
    if (sums.length < inner) sums = new Float64Array(inner);
    const acc = sums.subarray(0, inner);
    for (let o = 0; o < outer; o++) {
      acc.fill(0);
      const base = o * n * inner;
      for (let j = 0; j < n; j++) {
        const row = base + j * inner;
        for (let i = 0; i < inner; i++) acc[i] += x[row + i];
      }
      out.set(acc, o * inner);
    }
    return out;
  }
  const isMax = op === "max" || op === "argmax";
  const wantIndex = op === "argmax" || op === "argmin";
  if (isMax && inner === 1 && n > 0 && wasmMaxRows(x, out, outer, n, wantIndex)) return out;
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let i = 0; i < inner; i++) {
      let best = n > 0 ? x[base + i] : isMax ? -Infinity : Infinity;
      let bestJ = 0;
      for (let j = 1; j < n; j++) {
        const v = x[base + j * inner + i];
        if (best !== best) break; // NaN wins and stays
        if (v !== v || (isMax ? v > best : v < best)) {
          best = v;
          bestJ = j;
        }
      }
      out[o * inner + i] = wantIndex ? bestJ : best;
    }
  }
  return out;
}
