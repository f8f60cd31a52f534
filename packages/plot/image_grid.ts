/**
 * Figures made of images: a grid of small images (weights, samples,
 * reconstructions) with an optional caption per cell, as SVG with the grid
 * embedded as a PNG, ready for `saveFigure`.
 *
 * @module
 */

import { encode, Image } from "image-js";

/** Options of {@link imageGrid}. */
export interface ImageGridOptions {
  /** Number of images. */
  count: number;
  /** Image height. */
  height: number;
  /** Image width. */
  width: number;
  /** 1 (grey) or 3 (RGB, planar CHW per image). Default 1. */
  channels?: 1 | 3;
  /** Images per row (default: √count rounded up). */
  cols?: number;
  /** Pixels between images (default 2). */
  pad?: number;
  /** Scale values: each image to its own range, all to the global range, or clamp [0, 1] (default). */
  normalize?: "each" | "global" | "none";
}

/**
 * Tile images into one 8-bit image.
 *
 * @param values `count·channels·height·width` values.
 * @param o Geometry and scaling.
 * @returns The grid as an image-js image.
 */
export function imageGrid(values: Float32Array | Float64Array, o: ImageGridOptions): Image {
  const c = o.channels ?? 1, pad = o.pad ?? 2;
  const cols = o.cols ?? Math.ceil(Math.sqrt(o.count));
  const rows = Math.ceil(o.count / cols);
  const gw = cols * o.width + (cols + 1) * pad, gh = rows * o.height + (rows + 1) * pad;
  const img = new Image(gw, gh, { colorModel: c === 3 ? "RGB" : "GREY" }).fill(
    c === 3 ? [255, 255, 255] : [255],
  );
  const size = c * o.height * o.width;
  let gmin = Infinity, gmax = -Infinity;
  if (o.normalize === "global") {
    for (const v of values) [gmin, gmax] = [Math.min(gmin, v), Math.max(gmax, v)];
  }
  for (let k = 0; k < o.count; k++) {
    const src = values.subarray(k * size, (k + 1) * size);
    let lo = 0, hi = 1;
    if (o.normalize === "each") {
      lo = Infinity;
      hi = -Infinity;
      for (const v of src) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    } else if (o.normalize === "global") [lo, hi] = [gmin, gmax];
    const scale = hi > lo ? 255 / (hi - lo) : 0;
    const x0 = pad + (k % cols) * (o.width + pad),
      y0 = pad + Math.floor(k / cols) * (o.height + pad);
    for (let y = 0; y < o.height; y++) {
      for (let x = 0; x < o.width; x++) {
        const px: number[] = [];
        for (let ch = 0; ch < c; ch++) {
          const v = src[(ch * o.height + y) * o.width + x];
          px.push(Math.max(0, Math.min(255, Math.round((v - lo) * scale))));
        }
        img.setPixel(x0 + x, y0 + y, px);
      }
    }
  }
  return img;
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A block of a figure: a grid image with a heading. */
export interface FigurePanel {
  /** Heading above the panel. */
  heading: string;
  /** The grid. */
  image: Image;
  /** Display scale (default 3: small images stay visible). */
  scale?: number;
  /** Captions under the columns of the grid. */
  columnCaptions?: readonly string[];
}

/**
 * An SVG figure of image panels side by side under a title.
 *
 * @param title The figure title.
 * @param panels The panels.
 * @returns SVG text.
 */
export function imageFigure(title: string, panels: readonly FigurePanel[]): string {
  const margin = 16, headingH = 22, titleH = 34;
  let x = margin, height = 0;
  const parts: string[] = [];
  for (const p of panels) {
    const scale = p.scale ?? 3;
    const w = p.image.width * scale, h = p.image.height * scale;
    const png = encode(p.image, { format: "png" });
    parts.push(
      `<text x="${x + w / 2}" y="${titleH + 16}" text-anchor="middle" font-size="14">${
        escape(p.heading)
      }</text>`,
      `<image x="${x}" y="${
        titleH + headingH
      }" width="${w}" height="${h}" style="image-rendering:pixelated" href="data:image/png;base64,${
        base64(png)
      }"/>`,
    );
    const caps = p.columnCaptions ?? [];
    caps.forEach((cap, i) => {
      const cw = w / caps.length;
      parts.push(
        `<text x="${x + cw * (i + 0.5)}" y="${
          titleH + headingH + h + 16
        }" text-anchor="middle" font-size="12">${escape(cap)}</text>`,
      );
    });
    height = Math.max(height, h + (caps.length ? 24 : 0));
    x += w + margin * 2;
  }
  const content = x - margin;
  // DejaVu Sans averages about 0.6 em a character: widen the figure so a long title is not cut
  const width = Math.ceil(Math.max(content, title.length * 17 * 0.6 + 2 * margin));
  const total = titleH + headingH + height + margin;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${total}" viewBox="0 0 ${width} ${total}" font-family="DejaVu Sans">` +
    `<rect width="100%" height="100%" fill="white"/>` +
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="17">${escape(title)}</text>` +
    `<g transform="translate(${(width - content) / 2} 0)">${parts.join("")}</g></svg>`;
}
