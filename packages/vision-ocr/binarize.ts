/**
 * From a photo to ink and paper: flatten uneven lighting by dividing by an
 * estimate of the paper's brightness, then threshold (Otsu's method, capped
 * so faint show-through from the other side of thin paper stays paper).
 *
 * @module
 */

import { downscale, type GrayImage } from "./gray_image.ts";

/** Sliding maximum over a (2r+1)-wide window along rows, then columns (a grey dilation). */
export function maxFilter(img: GrayImage, r: number): GrayImage {
  const { width: w, height: h } = img;
  const tmp = new Float32Array(w * h), out = new Float32Array(w * h);
  const pass = (
    src: Float32Array,
    dst: Float32Array,
    n: number,
    lines: number,
    stride: number,
    step: number,
  ) => {
    // van Herk / Gil-Werman would be O(1) per pixel; a small r keeps the plain form fast enough
    for (let l = 0; l < lines; l++) {
      const base = l * stride;
      for (let i = 0; i < n; i++) {
        let m = -Infinity;
        const a = Math.max(0, i - r), b = Math.min(n - 1, i + r);
        for (let k = a; k <= b; k++) {
          const v = src[base + k * step];
          if (v > m) m = v;
        }
        dst[base + i * step] = m;
      }
    }
  };
  pass(img.data, tmp, w, h, w, 1);
  pass(tmp, out, h, w, 1, w);
  return { width: w, height: h, data: out };
}

/** Box blur with a (2r+1)² window, by an integral image. */
export function boxBlur(img: GrayImage, r: number): GrayImage {
  const { width: w, height: h } = img;
  const integral = new Float64Array((w + 1) * (h + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0; x < w; x++) {
      row += img.data[y * w + x];
      integral[(y + 1) * (w + 1) + x + 1] = integral[y * (w + 1) + x + 1] + row;
    }
  }
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const y0 = Math.max(0, y - r), y1 = Math.min(h, y + r + 1);
    for (let x = 0; x < w; x++) {
      const x0 = Math.max(0, x - r), x1 = Math.min(w, x + r + 1);
      const s = integral[y1 * (w + 1) + x1] - integral[y0 * (w + 1) + x1] -
        integral[y1 * (w + 1) + x0] +
        integral[y0 * (w + 1) + x0];
      out[y * w + x] = s / ((y1 - y0) * (x1 - x0));
    }
  }
  return { width: w, height: h, data: out };
}

/**
 * Divide out the paper's brightness: the background is the local maximum
 * (ink is darker than paper) over a window wider than a stroke, smoothed.
 * Lighting varies slowly, so the estimate is made on a 4× smaller copy and
 * interpolated back. The result is ≈1 on paper and below 1 on ink,
 * whatever the lighting.
 *
 * @param img The grey image.
 * @param radius Window radius in full-size pixels, comfortably wider than a pen stroke.
 * @returns The flattened image, clamped to [0, 1].
 */
export function flattenBackground(img: GrayImage, radius: number): GrayImage {
  const f = 4;
  const sw = Math.max(1, Math.round(img.width / f)), sh = Math.max(1, Math.round(img.height / f));
  const small = downscale(img, sw, sh);
  const r = Math.max(1, Math.round(radius / f));
  const bg = boxBlur(maxFilter(small, r), r);
  const out = new Float32Array(img.data.length);
  const fx = sw / img.width, fy = sh / img.height;
  for (let y = 0; y < img.height; y++) {
    const sy = Math.min(sh - 1, Math.max(0, (y + 0.5) * fy - 0.5));
    const y0 = Math.floor(sy), y1 = Math.min(sh - 1, y0 + 1), wy = sy - y0;
    for (let x = 0; x < img.width; x++) {
      const sx = Math.min(sw - 1, Math.max(0, (x + 0.5) * fx - 0.5));
      const x0 = Math.floor(sx), x1 = Math.min(sw - 1, x0 + 1), wx = sx - x0;
      const b = (1 - wy) * ((1 - wx) * bg.data[y0 * sw + x0] + wx * bg.data[y0 * sw + x1]) +
        wy * ((1 - wx) * bg.data[y1 * sw + x0] + wx * bg.data[y1 * sw + x1]);
      const i = y * img.width + x;
      out[i] = Math.min(1, img.data[i] / Math.max(b, 1e-3));
    }
  }
  return { width: img.width, height: img.height, data: out };
}

/**
 * Otsu's threshold: the level that maximises the between-class variance of
 * a 256-bin histogram of values in [0, 1].
 *
 * @param data Values in [0, 1].
 * @returns The threshold.
 */
export function otsuThreshold(data: Float32Array): number {
  const hist = new Float64Array(256);
  for (const v of data) hist[Math.max(0, Math.min(255, Math.floor(v * 255)))]++;
  const total = data.length;
  let sumAll = 0;
  for (let i = 0; i < 256; i++) sumAll += i * hist[i];
  let wB = 0, sumB = 0, best = 0, bestT = 127;
  for (let t = 0; t < 256; t++) {
    wB += hist[t];
    if (wB === 0) continue;
    const wF = total - wB;
    if (wF === 0) break;
    sumB += t * hist[t];
    const mB = sumB / wB, mF = (sumAll - sumB) / wF;
    const between = wB * wF * (mB - mF) ** 2;
    if (between > best) {
      best = between;
      bestT = t;
    }
  }
  return (bestT + 0.5) / 255;
}

/**
 * Ink mask: 1 where the flattened image is darker than the threshold.
 *
 * @param img The flattened image.
 * @param threshold Values below are ink.
 * @returns The mask, one byte per pixel.
 */
export function threshold(img: GrayImage, threshold: number): Uint8Array {
  const mask = new Uint8Array(img.data.length);
  for (let i = 0; i < mask.length; i++) mask[i] = img.data[i] < threshold ? 1 : 0;
  return mask;
}
