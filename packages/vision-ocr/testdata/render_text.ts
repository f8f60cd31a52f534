// Renders text to a grey page with resvg and the bundled fonts, for tests
// that need an image whose characters, lines and words are known.

import { svgToPng } from "@recognize/plot";
import { decodeImage } from "@recognize/datasets";
import type { GrayImage } from "../gray_image.ts";

/** Options of {@link renderPage}. */
export interface PageOptions {
  /** Lines of text. */
  lines: string[];
  /** Page width (default 900). */
  width?: number;
  /** Line height in pixels (default 90). */
  lineHeight?: number;
  /** Ink grey level 0–255 (default 20). */
  ink?: number;
  /** Paper brightness at the left and right edges, for uneven lighting (default 235, 235). */
  paper?: [number, number];
  /** Faint text behind the page (show-through), drawn at this grey (none by default). */
  showThrough?: { text: string; grey: number };
}

/** A page of text as a grey image in [0, 1]. */
export async function renderPage(o: PageOptions): Promise<GrayImage> {
  const width = o.width ?? 900, lh = o.lineHeight ?? 90;
  const height = lh * (o.lines.length + 1);
  const [p0, p1] = o.paper ?? [235, 235];
  const grey = (v: number) => `rgb(${v},${v},${v})`;
  const text = o.lines.map((l, i) =>
    `<text x="40" y="${lh * (i + 1)}" font-size="${lh * 0.6}" letter-spacing="${lh * 0.12}" fill="${
      grey(o.ink ?? 20)
    }">${l}</text>`
  ).join("");
  const behind = o.showThrough
    ? `<text x="60" y="${lh * 0.9}" font-size="${lh * 0.3}" fill="${
      grey(o.showThrough.grey)
    }">${o.showThrough.text}</text>`
    : "";
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans">` +
    `<defs><linearGradient id="g"><stop offset="0" stop-color="${
      grey(p0)
    }"/><stop offset="1" stop-color="${grey(p1)}"/></linearGradient></defs>` +
    `<rect width="100%" height="100%" fill="url(#g)"/>${behind}${text}</svg>`;
  const rgb = decodeImage(await svgToPng(svg, 1));
  const data = new Float32Array(rgb.width * rgb.height);
  for (let i = 0; i < data.length; i++) data[i] = rgb.data[i * 3] / 255;
  return { width: rgb.width, height: rgb.height, data };
}
