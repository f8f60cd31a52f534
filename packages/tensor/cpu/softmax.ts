// CPU softmax in one op: the five the tensor layer used to compose (max,
// sub, exp, sum, div), with the same roundings, so the result is theirs bit
// for bit; one output array and no intermediates.

import type { DType, TypedArray } from "../dtype.ts";
import { acquire } from "./pool.ts";
import { wasmSoftmaxRows } from "./wasm_elementwise.ts";

/** Softmax over the middle axis of `x` viewed as `[outer, n, inner]`. */
export function softmax(
  x: TypedArray,
  outer: number,
  n: number,
  inner: number,
  dtype: DType,
): TypedArray {
  const out = acquire(dtype, x.length, false);
  if (x.length === 0) return out;
  if (inner === 1 && wasmSoftmaxRows(x, out, outer, n)) return out;
  // the float32 roundings of the composed ops: each op's result is stored
  const round = dtype === "float32" ? Math.fround : (v: number) => v;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      // the maximum as the reduction takes it: a NaN wins
      let m = n > 0 ? x[base] : -Infinity;
      for (let j = 1; j < n && m === m; j++) {
        const v = x[base + j * inner];
        if (v !== v || v > m) m = v;
      }
      let sum = 0;
      for (let j = 0; j < n; j++) {
        const e = round(Math.exp(round(x[base + j * inner] - m)));
        out[base + j * inner] = e;
        sum += e;
      }
      const s = round(sum);
      for (let j = 0; j < n; j++) out[base + j * inner] /= s;
    }
  }
  return out;
}
