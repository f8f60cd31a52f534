/**
 * Numerical gradient checking by central differences, in float64 on the CPU.
 *
 * For a function `f` of tensors, the analytic gradient of `Σ f(x)·r` (with a
 * fixed random `r`, so every output element matters) is compared with
 * `(L(x + εeᵢ) − L(x − εeᵢ)) / 2ε` for every scalar of every input.
 *
 * @module
 */

import { noGrad } from "./autograd.ts";
import { tensor } from "./creation.ts";
import { Generator } from "./random.ts";
import type { Tensor } from "./tensor.ts";

/** Options of {@link gradcheck}. */
export interface GradcheckOptions {
  /** Step of the central difference (default 1e-6). */
  eps?: number;
  /** Seed of the random output weighting. */
  seed?: number;
}

/** The outcome of {@link gradcheck}. */
export interface GradcheckResult {
  /** Largest |analytic − numeric| over every checked scalar. */
  maxAbsError: number;
  /**
   * Largest |analytic − numeric| / max(|analytic|, |numeric|, 1e-8)… taken
   * only where that denominator is above 1e-7, so exact zeros do not count as
   * relative errors.
   */
  maxRelError: number;
  /** How many scalars were checked. */
  checked: number;
}

/**
 * Compare analytic and numeric gradients of `f` at `inputs`.
 *
 * @param f A function of the inputs; any output shape.
 * @param inputs float64 CPU tensors; each is checked element by element.
 * @param options Step and seed.
 * @returns The largest absolute and relative errors.
 * @example
 * ```ts
 * import { gradcheck, tensor } from "@recognize/tensor";
 * const x = tensor([0.3, -1.2], { dtype: "float64" });
 * const r = gradcheck((t) => t.sigmoid(), [x]);
 * console.assert(r.maxRelError < 1e-6);
 * ```
 */
export function gradcheck(
  f: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
  options: GradcheckOptions = {},
): GradcheckResult {
  const eps = options.eps ?? 1e-6;
  for (const x of inputs) {
    if (x.dtype !== "float64" || x.device !== "cpu") {
      throw new TypeError(`gradcheck needs float64 CPU inputs, got ${x.dtype} on ${x.device}`);
    }
  }
  const leaves = inputs.map((x) => {
    const l = x.detach();
    l.requiresGrad = true;
    return l;
  });
  const probe = noGrad(() => f(...leaves));
  const gen = new Generator(options.seed ?? 1);
  const weights = tensor(gen.fillUniform(new Float64Array(probe.size), 0.5, 1.5), {
    shape: probe.shape,
  });
  probe.dispose();

  const loss = (xs: Tensor[]) => {
    using y = f(...xs);
    using wy = y.mul(weights);
    return wy.sum();
  };
  using l = loss(leaves);
  l.backward();

  let maxAbsError = 0, maxRelError = 0, checked = 0;
  noGrad(() => {
    leaves.forEach((leaf, which) => {
      const analytic = leaf.grad ? leaf.grad.dataSync() : new Float64Array(leaf.size);
      const base = leaf.dataSync();
      for (let i = 0; i < base.length; i++) {
        const at = (delta: number) => {
          const moved = base.slice();
          moved[i] += delta;
          const xs = leaves.map((t, j) =>
            j === which ? tensor(moved, { shape: t.shape, dtype: "float64" }) : t
          );
          using v = loss(xs);
          const value = v.dataSync()[0];
          xs[which].dispose();
          return value;
        };
        const numeric = (at(eps) - at(-eps)) / (2 * eps);
        const err = Math.abs(analytic[i] - numeric);
        const scale = Math.max(Math.abs(analytic[i]), Math.abs(numeric));
        maxAbsError = Math.max(maxAbsError, err);
        if (scale > 1e-7) maxRelError = Math.max(maxRelError, err / scale);
        checked++;
      }
    });
  });
  for (const leaf of leaves) leaf.dispose();
  weights.dispose();
  return { maxAbsError, maxRelError, checked };
}
