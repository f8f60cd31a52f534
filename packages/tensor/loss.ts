/**
 * Losses composed from primitives: cross-entropy and mean squared error.
 *
 * @module
 */

import { logSoftmax } from "./activation.ts";
import { formatShape } from "./shape.ts";
import type { Tensor } from "./tensor.ts";

/** How per-sample losses combine. */
export type Reduction = "mean" | "sum" | "none";

/**
 * Cross-entropy of logits `[N, C]` against class indices `[N]` or target
 * distributions `[N, C]` (e.g. one-hot rows).
 *
 * @param logits Unnormalised scores.
 * @param target Class indices or probabilities.
 * @param options `reduction`: mean over samples (default), sum, or none.
 * @returns The loss.
 * @example
 * ```ts
 * import { crossEntropy, tensor } from "@recognize/tensor";
 * // two equal logits: −ln ½
 * const l = crossEntropy(tensor([[0, 0]]), tensor([1])).dataSync()[0];
 * console.assert(Math.abs(l - Math.LN2) < 1e-6);
 * ```
 */
export function crossEntropy(
  logits: Tensor,
  target: Tensor,
  options: { reduction?: Reduction } = {},
): Tensor {
  if (logits.rank !== 2) {
    throw new TypeError(`crossEntropy expects logits [N, C], got ${formatShape(logits.shape)}`);
  }
  const [n] = logits.shape;
  using logp = logSoftmax(logits, 1);
  let perSample: Tensor;
  if (target.rank === 2 && target.shape.join() === logits.shape.join()) {
    using prod = logp.mul(target);
    using s = prod.sum(1);
    perSample = s.neg();
  } else if (target.rank === 1 && target.shape[0] === n) {
    using idx = target.reshape([n, 1]);
    using picked = logp.gather(1, idx);
    using flat = picked.reshape([n]);
    perSample = flat.neg();
  } else {
    throw new TypeError(
      `Cannot take the cross-entropy of logits ${formatShape(logits.shape)} against target ${
        formatShape(target.shape)
      }: expected [N] class indices or [N, C] probabilities`,
    );
  }
  return reduce(perSample, options.reduction ?? "mean");
}

function reduce(perSample: Tensor, reduction: Reduction): Tensor {
  if (reduction === "none") return perSample;
  using p = perSample;
  return reduction === "sum" ? p.sum() : p.mean();
}

/**
 * Mean squared error (or summed, or per element).
 *
 * @param prediction The prediction.
 * @param target The target, same shape.
 * @param options `reduction`: mean (default), sum or none.
 * @returns The loss.
 */
export function mseLoss(
  prediction: Tensor,
  target: Tensor,
  options: { reduction?: Reduction } = {},
): Tensor {
  if (prediction.shape.join() !== target.shape.join()) {
    throw new TypeError(
      `Cannot take the MSE of ${formatShape(prediction.shape)} against ${
        formatShape(target.shape)
      }`,
    );
  }
  using d = prediction.sub(target);
  return reduce(d.mul(d), options.reduction ?? "mean");
}
