/**
 * The homework's activations and their derivatives, written as functions of
 * the post-activation (σ′ = σ(1 − σ), as Q1.4 derives), plus a stable
 * softmax (Q1.1: subtract the row maximum first).
 *
 * @module
 */

import { noGrad, reluBackward, sigmoidBackward, type Tensor } from "@recognize/tensor";

/** An activation: the function, and its derivative given the post-activation. */
export interface Activation {
  /** For messages and model files. */
  name: string;
  /** `post = f(pre)`. */
  forward(pre: Tensor): Tensor;
  /** `f′(pre)` from `post` (and `pre` where needed). */
  derivative(post: Tensor, pre: Tensor): Tensor;
  /**
   * `delta ⊙ f′(pre)` in one pass, where the tensor library has it fused
   * (the same values as `delta.mul(derivative(post, pre))`).
   */
  backward?(delta: Tensor, post: Tensor, pre: Tensor): Tensor;
}

/**
 * σ(x) = 1/(1 + e⁻ˣ), stable for any x.
 *
 * @param x The input.
 * @returns σ(x).
 * @example
 * ```ts
 * import { sigmoid } from "@recognize/nn";
 * import { tensor } from "@recognize/tensor";
 * const y = sigmoid(tensor([-1000, 0, 1000])).dataSync();
 * console.assert(y[0] === 0 && y[1] === 0.5 && y[2] === 1);
 * ```
 */
export function sigmoid(x: Tensor): Tensor {
  return noGrad(() => x.sigmoid());
}

/** σ′ = σ(1 − σ), from the post-activation. */
export function sigmoidDeriv(post: Tensor): Tensor {
  return noGrad(() => {
    using negated = post.neg();
    using oneMinus = negated.add(1);
    return post.mul(oneMinus);
  });
}

/** max(x, 0). */
export function relu(x: Tensor): Tensor {
  return noGrad(() => x.relu());
}

/** 1 where the output is positive, else 0. */
export function reluDeriv(post: Tensor): Tensor {
  return noGrad(() => post.gt(0));
}

/** The identity. */
export function linear(x: Tensor): Tensor {
  return x.reshape(x.shape);
}

/** Ones: the derivative of the identity (used after softmax, whose derivative the loss folds in). */
export function linearDeriv(post: Tensor): Tensor {
  return noGrad(() => {
    using zero = post.mul(0);
    return zero.add(1);
  });
}

/**
 * Row-wise softmax of `[N, C]` scores, stable: `e^(x − max) / Σ e^(x − max)`.
 *
 * @param x Scores.
 * @returns Probabilities; each row sums to 1.
 */
export function softmax(x: Tensor): Tensor {
  return noGrad(() => x.softmax(-1));
}

/** Sigmoid as an {@link Activation}. */
export const SIGMOID: Activation = {
  name: "sigmoid",
  forward: sigmoid,
  derivative: sigmoidDeriv,
  backward: (delta, post) => noGrad(() => sigmoidBackward(delta, post)),
};
/** ReLU as an {@link Activation}. */
export const RELU: Activation = {
  name: "relu",
  forward: relu,
  derivative: reluDeriv,
  backward: (delta, post) => noGrad(() => reluBackward(delta, post)),
};
/** Softmax output layer; its derivative is folded into the loss (`probs − y`). */
export const SOFTMAX: Activation = { name: "softmax", forward: softmax, derivative: linearDeriv };
/** No activation. */
export const LINEAR: Activation = { name: "linear", forward: linear, derivative: linearDeriv };
