// CPU softmax in one op: the five the tensor layer used to compose (max,
// sub, exp, sum, div), with the same roundings, so the result is theirs bit
// for bit; one output array and no intermediates.

import type { DType, TypedArray } from "../dtype.ts";
import { acquire, release } from "./pool.ts";
import { reduce } from "./reduce.ts";
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
  const maxima = reduce("max", x, outer, n, inner, dtype);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i, m = maxima[o * inner + i];
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
  release(maxima);
  return out;
}
