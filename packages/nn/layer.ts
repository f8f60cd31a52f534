/**
 * The homework's hand-written layer: Xavier initialisation, a forward pass
 * `post = f(XW + b)` that caches what backpropagation needs, and a backward
 * pass that stores `grad_W<name>`, `grad_b<name>` and returns the gradient
 * with respect to the input. No autograd: the derivatives are Q1.5's.
 *
 * @module
 */

import {
  type Backend,
  type DType,
  type Generator,
  matmulBias,
  noGrad,
  randUniform,
  type Tensor,
  zeros,
} from "@recognize/tensor";
import { type Activation, SIGMOID } from "./activations.ts";
import type { Params } from "./params.ts";

/**
 * `x·W + b`, `b` per output column: one op on a GPU (the product's kernel
 * adds the bias as it stores), the product and an add elsewhere.
 */
export function affine(x: Tensor, w: Tensor, b: Tensor): Tensor {
  if (x.rank === 2 && w.rank === 2 && b.rank === 1) return matmulBias(x, w, b, { on: "cols" });
  using xw = x.matmul(w);
  return xw.add(b);
}

/** Options of {@link initializeWeights}. */
export interface InitOptions {
  /** Random source. */
  generator?: Generator;
  /** Device. */
  device?: Backend;
  /** float32 (default) or float64 (gradient checks). */
  dtype?: DType;
}

/**
 * Xavier-uniform weights `W<name>` (`[inSize, outSize]`) and zero biases
 * `b<name>`. Var[w] = 2/(n_in + n_out), so w ~ U(−a, a) with a = √(6/(n_in + n_out)),
 * Glorot and Bengio's eq. 16.
 *
 * @param inSize Inputs.
 * @param outSize Outputs.
 * @param params Where to store them.
 * @param name The layer's name.
 * @param options Generator, device, dtype.
 */
export function initializeWeights(
  inSize: number,
  outSize: number,
  params: Params,
  name: string,
  options: InitOptions = {},
): void {
  if (!Number.isInteger(inSize) || !Number.isInteger(outSize) || inSize <= 0 || outSize <= 0) {
    throw new RangeError(`Cannot initialise a ${inSize}×${outSize} layer`);
  }
  const a = Math.sqrt(6 / (inSize + outSize));
  params.set(`W${name}`, randUniform([inSize, outSize], -a, a, options));
  params.set(`b${name}`, zeros([outSize], { device: options.device, dtype: options.dtype }));
}

/**
 * One layer forward: `post = activation(XW + b)`, caching X, pre and post.
 *
 * @param x `[N, in]` input, examples in rows.
 * @param params Holds `W<name>` and `b<name>`.
 * @param name The layer.
 * @param activation Default sigmoid.
 * @returns The post-activation `[N, out]` (the caller owns it).
 */
export function forward(
  x: Tensor,
  params: Params,
  name: string,
  activation: Activation = SIGMOID,
): Tensor {
  return noGrad(() => {
    const pre = affine(x, params.get(`W${name}`), params.get(`b${name}`));
    const post = activation.forward(pre);
    params.setCache(name, { x: x.detach(), pre, post: post.detach() });
    return post;
  });
}

/**
 * One layer backward. With δ = ∂J/∂post ⊙ f′: ∂J/∂W = Xᵀδ, ∂J/∂b = Σ_rows δ,
 * ∂J/∂X = δWᵀ. Stores `grad_W<name>` and `grad_b<name>`, or, given a
 * `learningRate`, takes the SGD step with them instead: `W −= α·Xᵀδ` and
 * `b −= α·Σ_rows δ` in place, the weight gradient never made (the step a
 * training loop takes next anyway, at a fraction of the memory traffic).
 *
 * @param delta ∂J/∂post, `[N, out]`.
 * @param params The parameters and the layer's cache.
 * @param name The layer.
 * @param activation The activation used forward (its derivative is applied here).
 * @param options `inputGrad: false` skips ∂J/∂X (a first layer needs none) and returns null;
 *   `learningRate` updates the parameters in place rather than storing gradients.
 * @returns ∂J/∂X, `[N, in]`, from the weights before any update (the caller owns it).
 */
export function backwards(
  delta: Tensor,
  params: Params,
  name: string,
  activation: Activation = SIGMOID,
  options: { inputGrad?: boolean; learningRate?: number } = {},
): Tensor {
  return noGrad(() => {
    const { x, pre, post } = params.cache(name);
    const w = params.get(`W${name}`);
    // a linear activation's derivative is 1: δ passes through unchanged
    using d = activation.name === "linear" || activation.name === "softmax"
      ? delta.share()
      : activation.backward
      ? activation.backward(delta, post, pre)
      : (() => {
        using slope = activation.derivative(post, pre);
        return delta.mul(slope);
      })();
    // ∂J/∂X first: it needs the weights as they were
    const input = options.inputGrad === false
      ? (null as unknown as Tensor)
      : d.matmul(w, { transB: true });
    const lr = options.learningRate;
    if (lr === undefined) {
      params.set(`grad_W${name}`, x.matmul(d, { transA: true }));
      params.set(`grad_b${name}`, d.sum(0));
    } else {
      w.addMatmulInPlace(x, d, -lr, { transA: true });
      params.get(`b${name}`).addSumInPlace(d, -lr);
    }
    return input;
  });
}
