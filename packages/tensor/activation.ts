/**
 * Softmax family, stable for any input: the row maximum is subtracted first
 * (softmax(x) = softmax(x − c)), so the largest exponent is e⁰ = 1. Softmax
 * itself is one backend op; log-sum-exp and log-softmax are composed.
 *
 * @module
 */

import { noGrad, record } from "./autograd.ts";
import type { Tensor } from "./tensor.ts";
import { normalizeAxis, sizeOf } from "./shape.ts";
import { wrap } from "./_operand.ts";

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
  const a = normalizeAxis("softmax", axis, x.rank);
  const n = x.shape[a];
  const outer = sizeOf(x.shape.slice(0, a)), inner = sizeOf(x.shape.slice(a + 1));
  // one backend op: the shift, e^x, the sum and the division without four tensors between them
  const out = wrap(x.backend.softmax(x.buffer, outer, n, inner, x.dtype), x.shape, x);
  return record(out, [x], "softmax", (save) => {
    const p = save(out);
    // ∂x = p ⊙ (g − Σ g⊙p) along the axis
    return (g) => {
      using gp = g.mul(p);
      using dot = gp.sum(a, true);
      using centred = g.sub(dot);
      return [centred.mul(p)];
    };
  });
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
