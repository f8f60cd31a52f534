/**
 * Inverted dropout: zero each element with probability `p` while training
 * and scale the survivors by 1/(1−p), so evaluation needs no rescaling.
 *
 * @module
 */

import { allocArray } from "./dtype.ts";
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
  const mask = allocArray(x.dtype, x.size);
  const keep = 1 / (1 - p);
  for (let i = 0; i < mask.length; i++) mask[i] = gen.uniform() >= p ? keep : 0;
  using m = new Tensor(x.backend.upload(mask), x.shape, x.dtype, x.backend);
  return x.mul(m);
}
