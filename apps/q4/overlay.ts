/**
 * The picture that shows what the OCR found: the binary image with a box
 * around every character and the recognised character beside it (green
 * when confident, orange when not).
 *
 * @module
 */

import { encode, Image } from "image-js";
import type { Recognition } from "@recognize/vision-ocr";

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/**
 * An SVG of the detection and recognition.
 *
 * @param r The recognition.
 * @param title A caption (the file name).
 * @returns SVG text.
 */
export function overlaySvg(r: Recognition, title: string): string {
  const { binary, scale } = r.detection;
  const img = new Image(binary.width, binary.height, { colorModel: "GREY" });
  const raw = img.getRawImage().data;
  for (let i = 0; i < binary.data.length; i++) raw[i] = binary.data[i] * 255;
  const w = binary.width, h = binary.height;
  const parts: string[] = [
    `<image x="0" y="30" width="${w}" height="${h}" href="data:image/png;base64,${
      base64(encode(img, { format: "png" }))
    }"/>`,
  ];
  const font = Math.max(12, Math.round(h / 45));
  for (const line of r.lines) {
    for (const c of line.chars) {
      const [y1, x1, y2, x2] = c.box.map((v) => v / scale);
      const colour = c.confidence >= 0.6 ? "#1a9850" : "#f46d43";
      parts.push(
        `<rect x="${x1}" y="${30 + y1}" width="${x2 - x1}" height="${
          y2 - y1
        }" fill="none" stroke="${colour}" stroke-width="2"/>`,
        `<text x="${x1}" y="${
          30 + y1 - 3
        }" font-size="${font}" font-weight="bold" fill="${colour}">${c.char}</text>`,
      );
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${
    h + 30
  }" viewBox="0 0 ${w} ${h + 30}" font-family="DejaVu Sans">` +
    `<rect width="100%" height="100%" fill="white"/><text x="8" y="21" font-size="16">${
      title.replace(/[<&>]/g, "")
    }</text>` +
    parts.join("") + "</svg>";
}
