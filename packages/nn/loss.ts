/**
 * The homework's loss and accuracy: cross-entropy summed over the data,
 * `L = −Σ y·log(probs)`, and the fraction of rows whose most probable class
 * is the true one.
 *
 * @module
 */

import { nllAndHits, noGrad, type Tensor } from "@recognize/tensor";

/**
 * Summed cross-entropy and accuracy.
 *
 * @param y One-hot labels `[N, C]` or class indices `[N]`.
 * @param probs Predicted probabilities `[N, C]`.
 * @returns The loss (summed over rows) and the accuracy in [0, 1].
 * @example
 * ```ts
 * import { computeLossAndAcc } from "@recognize/nn";
 * import { tensor } from "@recognize/tensor";
 * const r = await computeLossAndAcc(tensor([[0, 1]]), tensor([[0.25, 0.75]]));
 * console.assert(Math.abs(r.loss + Math.log(0.75)) < 1e-6 && r.acc === 1);
 * ```
 */
export async function computeLossAndAcc(
  y: Tensor,
  probs: Tensor,
): Promise<{ loss: number; acc: number }> {
  using both = lossAndHits(y, probs);
  const [loss, hits] = await both.data();
  return { loss, acc: hits / y.shape[0] };
}

/**
 * The summed cross-entropy and the number of correct rows, as one tensor
 * `[loss, correct]` on the device: training loops add these up without
 * reading them back.
 *
 * @param y The true classes: one-hot rows `[N, C]` (one 1 in every row) or
 *   class indices `[N]` (which spare finding each row's 1).
 * @param probs Predicted probabilities `[N, C]`.
 * @returns `[loss, correct]` (the caller owns it).
 */
export function lossAndHits(y: Tensor, probs: Tensor): Tensor {
  const indices = y.rank === 1 && probs.rank === 2 && y.shape[0] === probs.shape[0];
  if (!indices && (y.shape.join() !== probs.shape.join() || y.rank !== 2)) {
    throw new TypeError(
      `computeLossAndAcc needs probabilities [N, C] and one-hot labels of that shape or class indices [N], got ${y.shape} and ${probs.shape}`,
    );
  }
  // with one-hot rows, −Σ y·log p is −Σ log p[truth]: the log of one
  // probability per row instead of every entry (the same float sum, as the
  // other terms are zeros); a probability that underflowed to 0 is floored
  // at 1e-30 for a large, finite loss
  if (indices) return nllAndHits(probs, y);
  return noGrad(() => {
    using truth = y.argmax(1);
    return nllAndHits(probs, truth);
  });
}
