/**
 * A single-channel float image (row-major), and the resampling the detector
 * needs: area-averaging downscale.
 *
 * @module
 */

/** A grey image: `data[y·width + x]`, values in [0, 1] (0 black). */
export interface GrayImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** The pixels. */
  data: Float32Array;
}

/**
 * Shrink by an integer-free factor with area averaging (every source pixel
 * contributes to the output pixels it overlaps, weighted by the overlap).
 *
 * @param img The image.
 * @param width Output width (≤ input).
 * @param height Output height (≤ input).
 * @returns The smaller image.
 */
export function downscale(img: GrayImage, width: number, height: number): GrayImage {
  if (width >= img.width && height >= img.height) return img;
  const sx = img.width / width, sy = img.height / height;
  // separable: rows first, then columns
  const tmp = new Float32Array(width * img.height);
  for (let x = 0; x < width; x++) {
    const x0 = x * sx, x1 = x0 + sx;
    const i0 = Math.floor(x0), i1 = Math.min(img.width, Math.ceil(x1));
    for (let y = 0; y < img.height; y++) {
      let acc = 0;
      const row = y * img.width;
      for (let i = i0; i < i1; i++) {
        acc += img.data[row + i] * (Math.min(x1, i + 1) - Math.max(x0, i));
      }
      tmp[y * width + x] = acc / sx;
    }
  }
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const y0 = y * sy, y1 = y0 + sy;
    const j0 = Math.floor(y0), j1 = Math.min(img.height, Math.ceil(y1));
    for (let j = j0; j < j1; j++) {
      const w = (Math.min(y1, j + 1) - Math.max(y0, j)) / sy;
      const src = j * width, dst = y * width;
      for (let x = 0; x < width; x++) out[dst + x] += tmp[src + x] * w;
    }
  }
  return { width, height, data: out };
}

/**
 * Gaussian blur, separable, with zeros outside the image (for coverage maps,
 * where outside means no ink).
 *
 * @param img The image.
 * @param sigma Standard deviation in pixels (0 returns the image unchanged).
 * @returns The blurred image.
 */
export function gaussianBlur(img: GrayImage, sigma: number): GrayImage {
  if (!(sigma > 0)) return img;
  const r = Math.ceil(3 * sigma);
  const k = Float32Array.from(
    { length: 2 * r + 1 },
    (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma ** 2)),
  );
  const total = k.reduce((s, v) => s + v, 0);
  for (let i = 0; i < k.length; i++) k[i] /= total;
  const { width, height, data } = img;
  const tmp = new Float32Array(width * height), out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let d = -r; d <= r; d++) {
        const xx = x + d;
        if (xx >= 0 && xx < width) acc += k[d + r] * data[y * width + xx];
      }
      tmp[y * width + x] = acc;
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let d = -r; d <= r; d++) {
        const yy = y + d;
        if (yy >= 0 && yy < height) acc += k[d + r] * tmp[yy * width + x];
      }
      out[y * width + x] = acc;
    }
  }
  return { width, height, data: out };
}
