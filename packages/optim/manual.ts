/**
 * Parameter updates for the homework's hand-written networks, which keep
 * gradients as `grad_<key>` in a {@link Params} map: plain SGD (Q2.4) and
 * momentum (Q5.1.2).
 *
 * @module
 */

import type { Params } from "@recognize/nn";
import { noGrad, zeros } from "@recognize/tensor";

/**
 * `W ← W − α·∂J/∂W` for every parameter that has a gradient, in place (a
 * handle that shares a parameter's storage sees the step; `Params.clone()`
 * copies).
 *
 * @param params Parameters with `grad_<key>` entries.
 * @param learningRate α.
 */
export function sgdUpdate(params: Params, learningRate: number): void {
  noGrad(() => {
    for (const key of params.parameterKeys()) {
      if (!params.has(`grad_${key}`)) continue;
      params.get(key).addScaledInPlace(params.get(`grad_${key}`), -learningRate);
    }
  });
}

/**
 * Momentum: `M ← μ·M − α·∂J/∂W`, then `W ← W + M`, with one accumulator
 * `m_<key>` per parameter, zero before the first update. Weights and
 * accumulators change in place, one pass each ({@link Tensor.momentumStepInPlace}).
 *
 * @param params Parameters with `grad_<key>` entries.
 * @param learningRate α.
 * @param momentum μ (default 0.9).
 */
export function momentumUpdate(params: Params, learningRate: number, momentum = 0.9): void {
  noGrad(() => {
    for (const key of params.parameterKeys()) {
      if (!params.has(`grad_${key}`)) continue;
      const w = params.get(key);
      if (!params.has(`m_${key}`)) {
        params.set(`m_${key}`, zeros(w.shape, { device: w.backend, dtype: w.dtype }));
      }
      w.momentumStepInPlace(
        params.get(`grad_${key}`),
        params.get(`m_${key}`),
        momentum,
        -learningRate,
      );
    }
  });
}
