/**
 * What the OCR needs from a classifier: class names, and probabilities for
 * a batch of 32×32 images. The homework's MLP and the Q6 CNNs both fit.
 *
 * @module
 */

import type { Tensor } from "@recognize/tensor";

/** A character classifier over 1×32×32 images (ink ≈ 0 on 1). */
export interface CharClassifier {
  /** Class names by index. */
  readonly classes: readonly string[];
  /**
   * Class probabilities.
   *
   * @param images `[N, 1, 32, 32]`.
   * @returns `[N, C]` (the caller owns it).
   */
  predict(images: Tensor): Tensor;
}
