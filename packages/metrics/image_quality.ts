/**
 * Image reconstruction quality: the peak signal-to-noise ratio.
 *
 * @module
 */

/**
 * PSNR = 20·log10(MAX) − 10·log10(MSE) of one image against a reference.
 *
 * @param reference The original.
 * @param reconstruction The reconstruction, same length.
 * @param max The largest possible pixel value (default 1).
 * @returns PSNR in dB (Infinity for identical images).
 * @example
 * ```ts
 * import { psnr } from "@recognize/metrics";
 * // MSE 0.01 → 20·log10(1) − 10·log10(0.01) = 20 dB
 * console.assert(Math.abs(psnr([0, 0], [0.1, -0.1]) - 20) < 1e-9);
 * ```
 */
export function psnr(
  reference: ArrayLike<number>,
  reconstruction: ArrayLike<number>,
  max = 1,
): number {
  if (reference.length !== reconstruction.length || reference.length === 0) {
    throw new TypeError(
      `Cannot compare images of ${reference.length} and ${reconstruction.length} pixels`,
    );
  }
  let se = 0;
  for (let i = 0; i < reference.length; i++) se += (reference[i] - reconstruction[i]) ** 2;
  const mse = se / reference.length;
  return 20 * Math.log10(max) - 10 * Math.log10(mse);
}

/**
 * PSNR of each image of a batch, and their mean (the homework averages per image).
 *
 * @param reference `n·size` values.
 * @param reconstruction `n·size` values.
 * @param size Pixels per image.
 * @param max Largest pixel value.
 * @returns Per-image PSNRs and their mean.
 */
export function batchPsnr(
  reference: Float32Array | Float64Array,
  reconstruction: Float32Array | Float64Array,
  size: number,
  max = 1,
): { perImage: number[]; mean: number } {
  if (reference.length !== reconstruction.length || reference.length % size !== 0) {
    throw new TypeError(
      `Cannot compare batches of ${reference.length} and ${reconstruction.length} values in images of ${size}`,
    );
  }
  const perImage: number[] = [];
  for (let o = 0; o < reference.length; o += size) {
    perImage.push(psnr(reference.subarray(o, o + size), reconstruction.subarray(o, o + size), max));
  }
  return { perImage, mean: perImage.reduce((s, v) => s + v, 0) / perImage.length };
}
