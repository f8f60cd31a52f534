/**
 * Image transforms on float32 CHW planes, without per-pixel objects:
 * resizing (bilinear with PIL's antialiasing when shrinking), crops,
 * horizontal flips and per-channel normalisation, plus their batch forms
 * for training-time augmentation.
 *
 * @module
 */

import type { Generator } from "@recognize/tensor";
import type { RgbImage } from "./image.ts";

/** Per-output-pixel source taps and weights along one axis (PIL's bilinear filter). */
function taps(
  inSize: number,
  outSize: number,
): { start: Int32Array; count: Int32Array; weights: Float32Array; max: number } {
  const scale = inSize / outSize;
  const support = Math.max(scale, 1); // widen the triangle when shrinking: antialiasing
  const max = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize), count = new Int32Array(outSize);
  const weights = new Float32Array(outSize * max);
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const lo = Math.max(0, Math.floor(center - support)),
      hi = Math.min(inSize, Math.ceil(center + support));
    let total = 0;
    const n = hi - lo;
    for (let k = 0; k < n; k++) {
      const w = Math.max(0, 1 - Math.abs((lo + k + 0.5 - center) / support));
      weights[o * max + k] = w;
      total += w;
    }
    for (let k = 0; k < n; k++) weights[o * max + k] /= total || 1;
    start[o] = lo;
    count[o] = n;
  }
  return { start, count, weights, max };
}

/**
 * Resize `channels` planes of `h×w` to `outH×outW` (separable; antialiased when shrinking).
 *
 * @param src `channels·h·w` values, planar.
 * @param channels Number of planes.
 * @param h Input height.
 * @param w Input width.
 * @param outH Output height.
 * @param outW Output width.
 * @returns `channels·outH·outW` values.
 */
export function resizePlanes(
  src: Float32Array,
  channels: number,
  h: number,
  w: number,
  outH: number,
  outW: number,
): Float32Array {
  const tx = taps(w, outW), ty = taps(h, outH);
  const tmp = new Float32Array(h * outW);
  const out = new Float32Array(channels * outH * outW);
  for (let c = 0; c < channels; c++) {
    const plane = c * h * w;
    for (let y = 0; y < h; y++) {
      const row = plane + y * w;
      for (let x = 0; x < outW; x++) {
        let acc = 0;
        const s = tx.start[x], n = tx.count[x], wo = x * tx.max;
        for (let k = 0; k < n; k++) acc += src[row + s + k] * tx.weights[wo + k];
        tmp[y * outW + x] = acc;
      }
    }
    const outPlane = c * outH * outW;
    for (let y = 0; y < outH; y++) {
      const s = ty.start[y], n = ty.count[y], wo = y * ty.max;
      for (let x = 0; x < outW; x++) {
        let acc = 0;
        for (let k = 0; k < n; k++) acc += tmp[(s + k) * outW + x] * ty.weights[wo + k];
        out[outPlane + y * outW + x] = acc;
      }
    }
  }
  return out;
}

/**
 * An RGB image as float32 CHW planes in [0, 1], optionally resized.
 *
 * @param img The decoded image.
 * @param size `[height, width]` to resize to, or undefined to keep the size.
 * @returns `3·H·W` values.
 */
export function rgbToPlanes(img: RgbImage, size?: readonly [number, number]): Float32Array {
  const { width: w, height: h, data } = img;
  const planes = new Float32Array(3 * w * h);
  const n = w * h;
  for (let i = 0; i < n; i++) {
    planes[i] = data[i * 3] / 255;
    planes[n + i] = data[i * 3 + 1] / 255;
    planes[2 * n + i] = data[i * 3 + 2] / 255;
  }
  if (!size || (size[0] === h && size[1] === w)) return planes;
  return resizePlanes(planes, 3, h, w, size[0], size[1]);
}

/**
 * Crop a `[c, h, w]` image to `[c, outH, outW]` at `(top, left)`; outside is `fill`.
 *
 * @param src The image.
 * @param shape `[c, h, w]`.
 * @param top First row (may be negative, reading padding).
 * @param left First column (may be negative).
 * @param outH Output height.
 * @param outW Output width.
 * @param fill Value outside the image.
 * @param out Where to write (default: a new array).
 * @returns The crop.
 */
export function crop(
  src: Float32Array,
  shape: readonly [number, number, number],
  top: number,
  left: number,
  outH: number,
  outW: number,
  fill = 0,
  out: Float32Array = new Float32Array(shape[0] * outH * outW),
): Float32Array {
  const [c, h, w] = shape;
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < outH; y++) {
      const sy = top + y;
      const o = (ch * outH + y) * outW;
      if (sy < 0 || sy >= h) {
        out.fill(fill, o, o + outW);
        continue;
      }
      for (let x = 0; x < outW; x++) {
        const sx = left + x;
        out[o + x] = sx >= 0 && sx < w ? src[(ch * h + sy) * w + sx] : fill;
      }
    }
  }
  return out;
}

/** Center crop of a `[c, h, w]` image. */
export function centerCrop(
  src: Float32Array,
  shape: readonly [number, number, number],
  outH: number,
  outW: number,
): Float32Array {
  return crop(
    src,
    shape,
    Math.floor((shape[1] - outH) / 2),
    Math.floor((shape[2] - outW) / 2),
    outH,
    outW,
  );
}

/** Mirror a `[c, h, w]` image left–right in place. */
export function hflipInPlace(img: Float32Array, shape: readonly [number, number, number]): void {
  const [c, h, w] = shape;
  for (let r = 0; r < c * h; r++) {
    const o = r * w;
    for (let x = 0; x < w >> 1; x++) {
      const t = img[o + x];
      img[o + x] = img[o + w - 1 - x];
      img[o + w - 1 - x] = t;
    }
  }
}

/**
 * Normalise a batch of NCHW images in place: `(x − mean[c]) / std[c]`.
 *
 * @param images The batch.
 * @param channels C.
 * @param planeSize H·W.
 * @param mean Per-channel means.
 * @param std Per-channel standard deviations.
 */
export function normalizeInPlace(
  images: Float32Array,
  channels: number,
  planeSize: number,
  mean: readonly number[],
  std: readonly number[],
): void {
  const n = images.length / (channels * planeSize);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < channels; c++) {
      const o = (i * channels + c) * planeSize, m = mean[c], s = 1 / std[c];
      for (let p = 0; p < planeSize; p++) images[o + p] = (images[o + p] - m) * s;
    }
  }
}

/**
 * Training augmentation of a batch in place: a random crop from the image
 * padded by `padding` (zeros) and a horizontal flip with probability ½.
 *
 * @param images NCHW batch.
 * @param shape `[c, h, w]` of one image.
 * @param padding Crop padding.
 * @param generator The random source.
 * @param flip Whether to flip at random.
 * @param fill The value of the padding (0 for photos, 1 for white paper).
 */
export function augmentInPlace(
  images: Float32Array,
  shape: readonly [number, number, number],
  padding: number,
  generator: Generator,
  flip = true,
  fill = 0,
): void {
  const size = shape[0] * shape[1] * shape[2];
  if (images.length % size !== 0) {
    throw new RangeError(
      `augmentInPlace: ${images.length} values are not whole images of shape [${shape.join(", ")}]`,
    );
  }
  const tmp = new Float32Array(size);
  for (let o = 0; o < images.length; o += size) {
    const img = images.subarray(o, o + size);
    if (padding > 0) {
      const dy = generator.int(2 * padding + 1) - padding,
        dx = generator.int(2 * padding + 1) - padding;
      crop(img, shape, dy, dx, shape[1], shape[2], fill, tmp);
      img.set(tmp);
    }
    if (flip && generator.uniform() < 0.5) hflipInPlace(img, shape);
  }
}
