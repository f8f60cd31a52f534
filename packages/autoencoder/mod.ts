/**
 * The homework's autoencoder (Q5): 1024 → 32 → 32 → 32 → 1024 with ReLU
 * hidden layers and a sigmoid output, trained by hand-written
 * backpropagation of the total squared error with momentum.
 *
 * ```ts
 * import { Autoencoder } from "@recognize/autoencoder";
 * import { Generator, randUniform } from "@recognize/tensor";
 *
 * const ae = Autoencoder.create({ generator: new Generator(0) });
 * const x = randUniform([4, 1024]);
 * const loss = ae.lossAndGradients(x);
 * console.assert(ae.params.get("grad_Woutput").shape.join() === "32,1024");
 * loss.dispose();
 * ```
 *
 * @module
 */

export * from "./autoencoder.ts";
