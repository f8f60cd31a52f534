/**
 * The homework's `get_random_batches` on tensors: shuffle once, split into
 * batches (the last may be smaller). Works on any device.
 *
 * @module
 */

import {
  defaultGenerator,
  type Generator,
  indexSelect,
  noGrad,
  type Tensor,
  tensor,
} from "@recognize/tensor";

/**
 * Random batches of rows of `x` and `y`.
 *
 * @param x `[N, …]` inputs.
 * @param y `[N, …]` labels.
 * @param batchSize Rows per batch.
 * @param generator Random source (default: the global one).
 * @returns `[xb, yb]` pairs (the caller owns them).
 */
export function getRandomBatches(
  x: Tensor,
  y: Tensor,
  batchSize: number,
  generator: Generator = defaultGenerator(),
): [Tensor, Tensor][] {
  const n = x.shape[0];
  if (y.shape[0] !== n) throw new TypeError(`Cannot batch ${n} inputs with ${y.shape[0]} labels`);
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw new RangeError(`Cannot make batches of ${batchSize}`);
  }
  const order = generator.permutation(n);
  const batches: [Tensor, Tensor][] = [];
  noGrad(() => {
    for (let s = 0; s < n; s += batchSize) {
      using idx = tensor(Float32Array.from(order.subarray(s, s + batchSize)), {
        device: x.backend,
        dtype: x.dtype,
      });
      batches.push([indexSelect(x, 0, idx), indexSelect(y, 0, idx)]);
    }
  });
  return batches;
}
