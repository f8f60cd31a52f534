/**
 * Metrics: accuracy, confusion matrices and the most confused class pairs;
 * PSNR; edit distance and character error rate.
 *
 * ```ts
 * import { accuracy, characterErrorRate } from "@recognize/metrics";
 * console.assert(accuracy([1, 2, 3], [1, 2, 0]) === 2 / 3);
 * console.assert(characterErrorRate("HELL0", "HELLO") === 0.2);
 * ```
 *
 * @module
 */

export * from "./classification.ts";
export * from "./image_quality.ts";
export * from "./text.ts";
