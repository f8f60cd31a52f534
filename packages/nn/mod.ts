/**
 * Neural-network building blocks.
 *
 * The homework's hand-written API, in camelCase and on `@recognize/tensor`
 * (so it runs on the CPU or WebGPU) but without autograd: parameters live in
 * a named {@link Params} map, {@link initializeWeights} draws Xavier weights,
 * {@link forward} and {@link backwards} implement one layer with the
 * derivatives of Q1.5, and {@link checkGradients} compares them with
 * central differences.
 *
 * ```ts
 * import { backwards, computeLossAndAcc, forward, initializeWeights, LINEAR, Params, SOFTMAX } from "@recognize/nn";
 * import { tensor } from "@recognize/tensor";
 *
 * const params = new Params();
 * initializeWeights(2, 3, params, "output");
 * const x = tensor([[1, 2]]), y = tensor([[0, 1, 0]]);
 * const probs = forward(x, params, "output", SOFTMAX);
 * const { loss } = await computeLossAndAcc(y, probs);
 * backwards(probs.sub(y), params, "output", LINEAR);
 * console.assert(loss > 0 && params.get("grad_Woutput").shape.join() === "2,3");
 * ```
 *
 * @module
 */

export * from "./params.ts";
export * from "./activations.ts";
export * from "./layer.ts";
export * from "./loss.ts";
export * from "./batches.ts";
export * from "./gradient_check.ts";
export * from "./mlp.ts";
export * from "./classifier.ts";
export * from "./module.ts";
export * from "./layers.ts";
export * from "./models/convnet.ts";
export * from "./models/fcnet.ts";
export * from "./models/squeezenet.ts";
export * from "./architectures.ts";
export * from "./trainer.ts";
