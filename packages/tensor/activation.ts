/**
 * Softmax family, composed from primitives and stable for any input: the
 * row maximum is subtracted first (softmax(x) = softmax(x − c)), so the
 * largest exponent is e⁰ = 1.
 *
 * @module
 */

import { noGrad } from "./autograd.ts";
import type { Tensor } from "./tensor.ts";

/**
 * Softmax along `axis`.
 *
 * @param x The logits.
 * @param axis The class axis (default last).
 * @returns Probabilities summing to 1 along `axis`.
 * @example
 * ```ts
 * import { tensor } from "@recognize/tensor";
 * const p = tensor([[1000, 1000]]).softmax().dataSync();
 * console.assert(p[0] === 0.5 && p[1] === 0.5);
 * ```
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  // the shift cancels in the quotient, so it needs no gradient
  using m = noGrad(() => x.max(axis, true));
  using z = x.sub(m);
  using e = z.exp();
  using s = e.sum(axis, true);
  return e.div(s);
}

/**
 * log(Σ exp(x)) along `axis`, stable.
 *
 * @param x The input.
 * @param axis The axis.
 * @param keepDims Keep the reduced axis.
 * @returns The log-sum-exp.
 */
export function logSumExp(x: Tensor, axis = -1, keepDims = false): Tensor {
  using m = noGrad(() => x.max(axis, true));
  using z = x.sub(m);
  using e = z.exp();
  using s = e.sum(axis, true);
  using l = s.log();
  const r = l.add(m);
  if (keepDims) return r;
  using owned = r;
  return owned.squeeze(axis);
}

/**
 * Log-softmax along `axis`: `x − logΣexp(x)`.
 *
 * @param x The logits.
 * @param axis The class axis (default last).
 * @returns Log-probabilities.
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  using lse = logSumExp(x, axis, true);
  return x.sub(lse);
}
