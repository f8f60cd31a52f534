// CPU twins of the classifier ops: one-hot rows, and the summed negative
// log-likelihood of the true classes with the count of rows whose most
// probable class is true.

import type { DType, TypedArray } from "../dtype.ts";
import { acquire, release } from "./pool.ts";
import { reduce } from "./reduce.ts";

/** One-hot rows `[n, classes]`; an index that is no class gives a row of zeros. */
export function oneHot(indices: TypedArray, n: number, classes: number, dtype: DType): TypedArray {
  const out = acquire(dtype, n * classes);
  for (let r = 0; r < n; r++) {
    const t = indices[r];
    if (t >= 0 && t < classes && t === Math.floor(t)) out[r * classes + t] = 1;
  }
  return out;
}

/** `[−Σᵣ log max(p[r, tᵣ], 1e-30), Σᵣ (argmax p[r] = tᵣ)]` of `[rows, classes]` probabilities. */
export function nllHits(
  probs: TypedArray,
  labels: TypedArray,
  rows: number,
  classes: number,
  dtype: DType,
): TypedArray {
  // as the ops it stands for round: the floor and each log in the element
  // type, the sums in float64 (as reduce sums), stored in the element type
  const floor = dtype === "float32" ? Math.fround(1e-30) : 1e-30;
  const round = dtype === "float32" ? Math.fround : (v: number) => v;
  // each row's first most probable class, a NaN winning: argmax's own rule (and kernel)
  const predicted = reduce("argmax", probs, rows, classes, 1, dtype);
  let loss = 0, hits = 0;
  try {
    for (let r = 0; r < rows; r++) {
      const t = labels[r];
      if (!(t >= 0 && t < classes) || t !== Math.floor(t)) {
        throw new RangeError(
          `Cannot take the loss of row ${r}: class index ${t} is outside [0, ${classes})`,
        );
      }
      const p = probs[r * classes + t];
      loss += round(Math.log(p !== p ? NaN : p > floor ? p : floor));
      if (predicted[r] === t) hits++;
    }
  } finally {
    release(predicted);
  }
  const out = acquire(dtype, 2, false);
  out[0] = -loss;
  out[1] = hits;
  return out;
}
