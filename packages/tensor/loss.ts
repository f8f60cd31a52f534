/**
 * Losses composed from primitives: cross-entropy and mean squared error.
 *
 * @module
 */

import { logSoftmax } from "./activation.ts";
import { formatShape } from "./shape.ts";
import type { Tensor } from "./tensor.ts";
import { checkCompatible, wrap } from "./_operand.ts";
import { noGrad, record } from "./autograd.ts";

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
  const [n, classes] = logits.shape;
  const fused = target.rank === 1 && classes > 0 && logits.backend.crossEntropyRows !== undefined;
  using logp = fused ? null : logSoftmax(logits, 1);
  let perSample: Tensor;
  if (target.rank === 2 && target.shape.join() === logits.shape.join()) {
    using prod = logp!.mul(target);
    using s = prod.sum(1);
    perSample = s.neg();
  } else if (fused && target.shape[0] === n) {
    perSample = crossEntropyRows(logits, target);
  } else if (target.rank === 1 && target.shape[0] === n) {
    using idx = target.reshape([n, 1]);
    using picked = logp!.gather(1, idx);
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

/**
 * Per-row cross-entropy against class indices as one backend op (where the
 * backend has it: WebGPU), its gradient one more: fifteen dispatches fewer
 * than the composed log-softmax, gather and their gradients (the benchmark
 * CNN's step: 67 → 52).
 */
function crossEntropyRows(logits: Tensor, labels: Tensor): Tensor {
  checkCompatible("crossEntropy", [logits, labels]);
  const b = logits.backend, [rows, classes] = logits.shape;
  const { loss, probs } = b.crossEntropyRows!(
    logits.buffer,
    labels.buffer,
    rows,
    classes,
    logits.dtype,
  );
  const out = wrap(loss, [rows], logits);
  using p = wrap(probs, [rows, classes], logits);
  return record(out, [logits], "crossEntropy", (save) => {
    const sp = save(p), st = save(labels);
    return (g) => [
      wrap(
        b.crossEntropyRowsBackward!(sp.buffer, st.buffer, g.buffer, rows, classes, logits.dtype),
        [rows, classes],
        logits,
      ),
    ];
  });
}

/** `[N, C]` rows and `[N]` class indices on one device, or a TypeError naming both shapes. */
function checkRowsAndLabels(op: string, what: string, rows: Tensor, labels: Tensor): void {
  checkCompatible(op, [rows, labels]);
  if (rows.rank !== 2 || labels.rank !== 1 || labels.shape[0] !== rows.shape[0]) {
    throw new TypeError(
      `${op} expects ${what} [N, C] and class indices [N], got ${formatShape(rows.shape)} and ${
        formatShape(labels.shape)
      }`,
    );
  }
}

/**
 * How many rows' first largest score is at their class index:
 * `argmax(scores, 1) = labels`, summed (a scalar). One op where the backend
 * offers it (WebGPU), else those three.
 *
 * @param scores Logits or probabilities `[N, C]`.
 * @param labels Class indices `[N]`.
 * @returns The count, as a scalar tensor.
 * @example
 * ```ts
 * import { countHits, tensor } from "@recognize/tensor";
 * // a hit, a miss, and a tie that the first class wins: a hit
 * const hits = countHits(tensor([[0.1, 0.9], [2, 1], [5, 5]]), tensor([1, 1, 0])).dataSync()[0];
 * console.assert(hits === 2);
 * ```
 */
export function countHits(scores: Tensor, labels: Tensor): Tensor {
  checkRowsAndLabels("countHits", "scores", scores, labels);
  const [rows, classes] = scores.shape;
  return noGrad(() => {
    if (scores.backend.argmaxHits && classes > 0) {
      const buf = scores.backend.argmaxHits(
        scores.buffer,
        labels.buffer,
        rows,
        classes,
        scores.dtype,
      );
      return wrap(buf, [], scores);
    }
    using predicted = scores.argmax(1);
    using hit = predicted.eq(labels);
    return hit.sum();
  });
}

/**
 * A classifier's running figures in one op: the summed negative
 * log-likelihood of the true classes, `−Σᵣ log max(p[r, tᵣ], 1e-30)` (the
 * summed cross-entropy of probabilities against one-hot rows; the floor keeps
 * a probability that underflowed finite), and how many rows' most probable
 * class is the true one. A training loop adds these up on the device and
 * reads them once an epoch. No gradient flows through it.
 *
 * @param probs Probabilities `[N, C]`.
 * @param labels Class indices `[N]`.
 * @returns `[loss, hits]`.
 * @example
 * ```ts
 * import { nllAndHits, tensor } from "@recognize/tensor";
 * const [loss, hits] = nllAndHits(tensor([[0.25, 0.75], [0.5, 0.5]]), tensor([1, 1])).dataSync();
 * console.assert(Math.abs(loss + Math.log(0.75) + Math.log(0.5)) < 1e-6 && hits === 1);
 * ```
 */
export function nllAndHits(probs: Tensor, labels: Tensor): Tensor {
  checkRowsAndLabels("nllAndHits", "probabilities", probs, labels);
  const [rows, classes] = probs.shape;
  if (classes === 0 && rows > 0) throw new RangeError("nllAndHits needs at least one class");
  const buf = probs.backend.nllHits(probs.buffer, labels.buffer, rows, classes, probs.dtype);
  return wrap(buf, [2], probs);
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
