/**
 * Inverted dropout: zero each element with probability `p` while training
 * and scale the survivors by 1/(1−p), so evaluation needs no rescaling.
 *
 * @module
 */

import { defaultGenerator, type Generator } from "./random.ts";
import { Tensor } from "./tensor.ts";

/** Options of {@link dropout}. */
export interface DropoutOptions {
  /** Apply dropout (true while training); when false the input passes through. */
  training?: boolean;
  /** Generator for the mask. */
  generator?: Generator;
}

/**
 * Inverted dropout.
 *
 * @param x The input.
 * @param p Probability of zeroing an element, in [0, 1).
 * @param options Whether training, and the generator.
 * @returns The masked and rescaled input.
 */
export function dropout(x: Tensor, p: number, options: DropoutOptions = {}): Tensor {
  if (!(p >= 0 && p < 1)) throw new RangeError(`dropout probability must be in [0, 1), got ${p}`);
  if (!(options.training ?? true) || p === 0) return x.reshape(x.shape);
  const gen = options.generator ?? defaultGenerator();
  // one draw from the generator seeds the mask, which the device makes itself
  // (counterHash of each element's index): nothing to draw element by element
  // on the host, nor to upload. An element goes when its 24-bit draw is
  // below p·2²⁴ (rounded up: within 6e-8 of p).
  const seed = gen.nextUint32();
  const threshold = Math.ceil(p * 2 ** 24);
  const buf = x.backend.dropoutMask(x.size, seed, threshold, 1 / (1 - p), x.dtype);
  using m = new Tensor(buf, x.shape, x.dtype, x.backend);
  return x.mul(m);
}
