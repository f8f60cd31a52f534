/**
 * The homework's numerical gradient checker (Q2.5): nudge every scalar of
 * every weight and bias by ±ε, recompute the loss, and compare the central
 * difference with the gradient that `backwards` stored.
 *
 * Central differences carry two errors: truncation, about ε²·f‴/6, and
 * roundoff, about (machine ε)·|L|/ε. With the homework's ε = 1e-6 the
 * roundoff alone is ~5e-9 for a loss of ~20, which swamps small gradients.
 * By default the checker therefore refines the central difference by
 * Richardson extrapolation, D = (4·D(ε) − D(2ε))/3, which cancels the ε²
 * term and lets ε be 1e-4 (roundoff ~1e-10). `richardson: false` gives the
 * plain formula.
 *
 * @module
 */

import { tensor } from "@recognize/tensor";
import type { Params } from "./params.ts";

/** The outcome for one parameter. */
export interface ParamCheck {
  /** The parameter's key, e.g. `Wlayer1`. */
  key: string;
  /** Scalars checked. */
  count: number;
  /** Largest relative error (see {@link GradientCheckOptions.floor}). */
  maxRelError: number;
  /** Largest |analytic − numeric|. */
  maxAbsError: number;
  /** Sum of the relative errors, as the starter script prints. */
  sumRelError: number;
}

/** Options of {@link checkGradients}. */
export interface GradientCheckOptions {
  /** The step ε (default 1e-4 with Richardson refinement, else 1e-6). */
  eps?: number;
  /** Refine by Richardson extrapolation (default true). */
  richardson?: boolean;
  /**
   * Relative error is |a − n| / max(|a|, |n|, floor): below `floor` (default
   * 1e-4) a gradient is compared absolutely, since its relative error would
   * measure only the roundoff of the loss.
   */
  floor?: number;
}

/**
 * Check `grad_<key>` of every parameter against central differences.
 *
 * @param params Parameters with gradients from `backwards` (float64 CPU for a meaningful check).
 * @param loss The loss of the whole network for the current parameters.
 * @param options Step, refinement, floor.
 * @returns One result per parameter.
 */
export async function checkGradients(
  params: Params,
  loss: (p: Params) => Promise<number>,
  options: GradientCheckOptions = {},
): Promise<ParamCheck[]> {
  const richardson = options.richardson ?? true;
  const eps = options.eps ?? (richardson ? 1e-4 : 1e-6);
  const floor = options.floor ?? 1e-4;
  const results: ParamCheck[] = [];
  for (const key of params.parameterKeys()) {
    const original = params.get(key).detach();
    const analytic = await params.get(`grad_${key}`).data();
    const base = await original.data();
    let maxRel = 0, maxAbs = 0, sumRel = 0;
    const at = async (i: number, delta: number) => {
      const moved = base.slice();
      moved[i] += delta;
      params.set(
        key,
        tensor(moved, { shape: original.shape, device: original.backend, dtype: original.dtype }),
      );
      return await loss(params);
    };
    const central = async (i: number, h: number) =>
      ((await at(i, h)) - (await at(i, -h))) / (2 * h);
    for (let i = 0; i < base.length; i++) {
      let numeric = await central(i, eps);
      if (richardson) numeric = (4 * numeric - (await central(i, 2 * eps))) / 3;
      const err = Math.abs(analytic[i] - numeric);
      const rel = err / Math.max(Math.abs(analytic[i]), Math.abs(numeric), floor);
      maxRel = Math.max(maxRel, rel);
      maxAbs = Math.max(maxAbs, err);
      sumRel += rel;
    }
    params.set(key, original);
    results.push({
      key,
      count: base.length,
      maxRelError: maxRel,
      maxAbsError: maxAbs,
      sumRelError: sumRel,
    });
  }
  return results;
}
