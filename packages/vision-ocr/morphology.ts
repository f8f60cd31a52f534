/**
 * Binary morphology on byte masks: dilation and erosion by a square (or
 * a disc), separable where it can be.
 *
 * @module
 */

/**
 * Dilate a mask by a (2r+1)×(2r+1) square.
 *
 * @param mask 1 = set.
 * @param width Mask width.
 * @param height Mask height.
 * @param r Radius.
 * @returns The dilated mask.
 */
export function dilate(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  if (r <= 0) return mask.slice();
  const tmp = new Uint8Array(mask.length), out = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    // running count of set pixels in the window
    let count = 0;
    for (let x = 0; x < Math.min(r, width); x++) count += mask[row + x];
    for (let x = 0; x < width; x++) {
      if (x + r < width) count += mask[row + x + r];
      if (x - r - 1 >= 0) count -= mask[row + x - r - 1];
      tmp[row + x] = count > 0 ? 1 : 0;
    }
  }
  for (let x = 0; x < width; x++) {
    let count = 0;
    for (let y = 0; y < Math.min(r, height); y++) count += tmp[y * width + x];
    for (let y = 0; y < height; y++) {
      if (y + r < height) count += tmp[(y + r) * width + x];
      if (y - r - 1 >= 0) count -= tmp[(y - r - 1) * width + x];
      out[y * width + x] = count > 0 ? 1 : 0;
    }
  }
  return out;
}

/**
 * Erode a mask by a (2r+1)×(2r+1) square (outside the image counts as unset).
 *
 * @param mask 1 = set.
 * @param width Mask width.
 * @param height Mask height.
 * @param r Radius.
 * @returns The eroded mask.
 */
export function erode(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  if (r <= 0) return mask.slice();
  const inv = mask.map((v) => 1 - v);
  return dilate(inv, width, height, r).map((v) => 1 - v);
}

/**
 * Dilate by a disc of radius `r` (rounder strokes than a square).
 *
 * @param mask 1 = set.
 * @param width Mask width.
 * @param height Mask height.
 * @param r Radius (may be fractional).
 * @returns The dilated mask.
 */
export function dilateDisc(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  if (r <= 0) return mask.slice();
  const out = new Uint8Array(mask.length);
  const R = Math.ceil(r), offsets: [number, number][] = [];
  for (let dy = -R; dy <= R; dy++) {
    for (let dx = -R; dx <= R; dx++) if (dx * dx + dy * dy <= r * r) offsets.push([dy, dx]);
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!mask[y * width + x]) continue;
      for (const [dy, dx] of offsets) {
        const yy = y + dy, xx = x + dx;
        if (yy >= 0 && yy < height && xx >= 0 && xx < width) out[yy * width + xx] = 1;
      }
    }
  }
  return out;
}
