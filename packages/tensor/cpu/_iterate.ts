// Strided iteration shared by the CPU kernels: after coalescing, walk an
// odometer over every axis but the last and hand each row to a callback.

import type { Coalesced } from "../strided.ts";

/**
 * Call `row(offsets, n)` once per row of the last axis, where `offsets[k]` is
 * operand k's offset at the row start and `n` the row length. The callback
 * reads each operand's stride along the row from `c.strides[k][last]`.
 */
export function forEachRow(
  c: Coalesced,
  base: readonly number[],
  row: (offsets: number[]) => void,
): void {
  const rank = c.shape.length;
  const ops = c.strides.length;
  const offsets = [...base];
  if (rank === 1) {
    row(offsets);
    return;
  }
  const index = new Array<number>(rank - 1).fill(0);
  let rows = 1;
  for (let d = 0; d < rank - 1; d++) rows *= c.shape[d];
  for (let r = 0; r < rows; r++) {
    row(offsets);
    // advance the odometer over axes rank-2 … 0
    for (let d = rank - 2; d >= 0; d--) {
      index[d]++;
      for (let k = 0; k < ops; k++) offsets[k] += c.strides[k][d];
      if (index[d] < c.shape[d]) break;
      for (let k = 0; k < ops; k++) offsets[k] -= c.strides[k][d] * c.shape[d];
      index[d] = 0;
    }
  }
}
