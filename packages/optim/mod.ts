/**
 * Optimizers: the homework's manual updates on a `Params` map (SGD and
 * momentum), and PyTorch-style optimizers for Module parameters (SGD with
 * momentum and weight decay, Adam, AdamW), a step learning-rate schedule and
 * gradient clipping.
 *
 * ```ts
 * import { Params } from "@recognize/nn";
 * import { sgdUpdate } from "@recognize/optim";
 * import { tensor } from "@recognize/tensor";
 *
 * const p = new Params();
 * p.set("Wx", tensor([1, 2]));
 * p.set("grad_Wx", tensor([10, 10]));
 * sgdUpdate(p, 0.1);
 * console.assert(p.get("Wx").dataSync().join() === "0,1");
 * ```
 *
 * @module
 */

export * from "./manual.ts";
export * from "./optimizers.ts";
