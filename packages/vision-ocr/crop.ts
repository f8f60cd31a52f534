/**
 * Make a detected character look like a NIST36 training image: ink dark on
 * white, the character's longer side scaled to 26 of 32 pixels and centred
 * (as the training images' median bounding box), aspect ratio kept by
 * padding to a square, strokes thickened to the training images' width
 * (about 3.7 pixels at 32×32), then area-averaged down to 32×32 and softened
 * like the training images' stroke edges, upright and row-major as the NIST36
 * loader returns images.
 *
 * @module
 */

import type { Box } from "./components.ts";
import { downscale, gaussianBlur } from "./gray_image.ts";
import { dilateDisc } from "./morphology.ts";

/** The training images' median longer bounding-box side, in pixels of 32. */
export const TRAINING_CHAR_SIZE = 26;
/** Half the training images' stroke width at 32×32 (ink pixels per boundary pixel). */
export const TRAINING_HALF_STROKE = 1.83;
/**
 * The blur (Gaussian σ, pixels of 32) that gives a crop the soft stroke edges of
 * the training images. NIST36 characters were blurred when they were made:
 * they have 1.94 grey pixels (0.1–0.9) for every solid ink pixel (≤ 0.1), where
 * a binary mask area-averaged to 32×32 has about 0.5. σ = 0.56 brings crops of
 * a rendered test page to the training ratio (0.525 → 1.72, 0.55 → 1.87,
 * 0.575 → 2.05); calibrated on rendered text, not on the homework photos.
 */
export const TRAINING_BLUR_SIGMA = 0.56;

/** Half the stroke width of the ink in a region: ink pixels per boundary pixel. */
export function halfStrokeWidth(mask: Uint8Array, width: number, height: number): number {
  let ink = 0, border = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!mask[y * width + x]) continue;
      ink++;
      const edge = x === 0 || y === 0 || x === width - 1 || y === height - 1 ||
        !mask[y * width + x - 1] || !mask[y * width + x + 1] || !mask[(y - 1) * width + x] ||
        !mask[(y + 1) * width + x];
      if (edge) border++;
    }
  }
  return border ? ink / border : 0;
}

/** Options of {@link normalizeCrop}. */
export interface CropOptions {
  /** Thicken strokes to the training width (default true). */
  thicken?: boolean;
  /** Soften the strokes with this Gaussian σ at 32×32 (default {@link TRAINING_BLUR_SIGMA}). */
  blur?: number;
  /** With `only`: the component label of every pixel. */
  labels?: Int32Array;
  /** Keep only ink of these components (so a neighbour's stroke reaching into the box is left out). */
  only?: readonly number[];
}

/**
 * One character as a 32×32 image in the training images' style.
 *
 * @param mask Ink mask of the page (1 = ink).
 * @param width Mask width.
 * @param height Mask height.
 * @param box The character's box in mask coordinates.
 * @param options Switches.
 * @returns 1024 values, ink ≈ 0, paper 1, row-major.
 */
export function normalizeCrop(
  mask: Uint8Array,
  width: number,
  height: number,
  box: Box,
  options: CropOptions = {},
): Float32Array {
  const [y1, x1, y2, x2] = box;
  const bh = y2 - y1 + 1, bw = x2 - x1 + 1, side = Math.max(bh, bw);
  // a canvas of the training layout: the character's longer side is 26/32 of it
  const canvas = Math.max(side + 2, Math.ceil((side * 32) / TRAINING_CHAR_SIZE));
  const pad = Math.ceil(canvas * 0.1);
  const size = canvas + 2 * pad; // margin so thickening never clips
  let region: Uint8Array = new Uint8Array(size * size);
  const oy = pad + Math.floor((canvas - bh) / 2), ox = pad + Math.floor((canvas - bw) / 2);
  const only = options.labels && options.only ? new Set(options.only) : null;
  for (let y = 0; y < bh; y++) {
    const sy = y1 + y;
    if (sy < 0 || sy >= height) continue;
    for (let x = 0; x < bw; x++) {
      const sx = x1 + x;
      if (sx < 0 || sx >= width || !mask[sy * width + sx]) continue;
      if (only && !only.has(options.labels![sy * width + sx])) continue;
      region[(oy + y) * size + ox + x] = 1;
    }
  }
  if (options.thicken ?? true) {
    const target = TRAINING_HALF_STROKE * canvas / 32;
    const missing = target - halfStrokeWidth(region, size, size);
    if (missing > 0.3) region = dilateDisc(region, size, size, missing);
  }
  // coverage of ink, area-averaged to 32×32 over the canvas (without the margin)
  const inner = new Float32Array(canvas * canvas);
  for (let y = 0; y < canvas; y++) {
    for (let x = 0; x < canvas; x++) inner[y * canvas + x] = region[(pad + y) * size + pad + x];
  }
  const small = gaussianBlur(
    downscale({ width: canvas, height: canvas, data: inner }, 32, 32),
    options.blur ?? TRAINING_BLUR_SIGMA,
  );
  const out = new Float32Array(1024);
  for (let i = 0; i < 1024; i++) out[i] = 1 - Math.min(1, small.data[i]);
  return out;
}
