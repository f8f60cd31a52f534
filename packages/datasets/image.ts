/**
 * Decode images by their content, not their file name: PNG, JPEG (baseline
 * and progressive), BMP and TIFF through image-js, GIF through omggif. EXIF
 * orientation is applied, alpha is composited onto white, and the result is
 * always 8-bit RGB, row-major and interleaved.
 *
 * @module
 */

import { decode } from "image-js";
import { GifReader } from "omggif";
import { FormatError, withContext } from "@recognize/io";

/** An 8-bit RGB image, row-major, interleaved (`data[(y·width + x)·3 + c]`). */
export interface RgbImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** `width·height·3` bytes. */
  data: Uint8Array;
}

/** The container kind of an image, from its first bytes, or null. */
export function sniffImage(bytes: Uint8Array): "png" | "jpeg" | "gif" | "bmp" | "tiff" | null {
  const b = bytes;
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) {
    return "png";
  }
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "jpeg";
  if (b.length >= 6 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) return "gif";
  if (b.length >= 2 && b[0] === 0x42 && b[1] === 0x4d) return "bmp";
  if (
    b.length >= 4 &&
    ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a) ||
      (b[0] === 0x4d && b[1] === 0x4d && b[3] === 0x2a))
  ) return "tiff";
  return null;
}

function composite(src: ArrayLike<number>, channels: number, max: number, n: number): Uint8Array {
  const out = new Uint8Array(n * 3);
  const scale = 255 / max;
  for (let i = 0; i < n; i++) {
    const s = i * channels;
    if (channels >= 3) {
      const a = channels === 4 ? src[s + 3] / max : 1;
      for (let c = 0; c < 3; c++) {
        out[i * 3 + c] = Math.round(src[s + c] * scale * a + 255 * (1 - a));
      }
    } else {
      const a = channels === 2 ? src[s + 1] / max : 1;
      const v = Math.round(src[s] * scale * a + 255 * (1 - a));
      out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = v;
    }
  }
  return out;
}

/** Rotate/flip an RGB image per EXIF orientation 1–8. */
export function applyOrientation(img: RgbImage, orientation: number): RgbImage {
  if (!(orientation >= 2 && orientation <= 8)) return img;
  const { width: w, height: h, data } = img;
  const swap = orientation >= 5;
  const ow = swap ? h : w, oh = swap ? w : h;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      // source coordinates for each EXIF orientation
      let sx: number, sy: number;
      switch (orientation) {
        case 2:
          sx = w - 1 - x;
          sy = y;
          break;
        case 3:
          sx = w - 1 - x;
          sy = h - 1 - y;
          break;
        case 4:
          sx = x;
          sy = h - 1 - y;
          break;
        case 5:
          sx = y;
          sy = x;
          break;
        case 6:
          sx = y;
          sy = h - 1 - x;
          break;
        case 7:
          sx = w - 1 - y;
          sy = h - 1 - x;
          break;
        default:
          sx = w - 1 - y;
          sy = x;
          break; // 8
      }
      const s = (sy * w + sx) * 3, o = (y * ow + x) * 3;
      out[o] = data[s];
      out[o + 1] = data[s + 1];
      out[o + 2] = data[s + 2];
    }
  }
  return { width: ow, height: oh, data: out };
}

/**
 * Decode an image held in memory.
 *
 * @param bytes The file's content.
 * @returns The image as 8-bit RGB, upright.
 * @throws {FormatError} When the content is not a supported image or is corrupt.
 */
export function decodeImage(bytes: Uint8Array): RgbImage {
  const kind = sniffImage(bytes);
  if (!kind) throw new FormatError("not an image (no PNG, JPEG, GIF, BMP or TIFF signature)");
  try {
    if (kind === "gif") {
      const gif = new GifReader(bytes);
      const rgba = new Uint8Array(gif.width * gif.height * 4);
      gif.decodeAndBlitFrameRGBA(0, rgba);
      return {
        width: gif.width,
        height: gif.height,
        data: composite(rgba, 4, 255, gif.width * gif.height),
      };
    }
    const img = decode(bytes);
    const n = img.width * img.height;
    const rgb = composite(img.getRawImage().data, img.channels, img.maxValue, n);
    const orientation = Number(
      (img.meta as { tiff?: { tags?: { Orientation?: number } } } | undefined)?.tiff?.tags
        ?.Orientation ?? 1,
    );
    return applyOrientation({ width: img.width, height: img.height, data: rgb }, orientation);
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new FormatError(`the ${kind.toUpperCase()} data is corrupt: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/**
 * Read and decode an image file.
 *
 * @param path The file.
 * @returns The image as 8-bit RGB.
 * @throws {FormatError} Naming the file when it is not a readable image.
 */
export async function loadImage(path: string): Promise<RgbImage> {
  const bytes = await Deno.readFile(path);
  return withContext(path, () => decodeImage(bytes));
}

/**
 * Luminance (ITU-R BT.601) of an RGB image in [0, 1].
 *
 * @param img The image.
 * @returns `width·height` values, row-major.
 */
export function toGray(img: RgbImage): Float32Array {
  const n = img.width * img.height;
  const out = new Float32Array(n);
  const d = img.data;
  for (let i = 0; i < n; i++) {
    out[i] = (0.299 * d[i * 3] + 0.587 * d[i * 3 + 1] + 0.114 * d[i * 3 + 2]) / 255;
  }
  return out;
}
