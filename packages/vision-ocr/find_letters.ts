/**
 * `findLetters`: where the characters are in a photo of hand-printed text.
 *
 * The photo is reduced to a working resolution, its lighting flattened, and
 * thresholded into ink; nearby ink is joined so that a character's strokes
 * form one connected component; components too small to be characters
 * (specks, list dots) are dropped, and fragments stacked over one another
 * are merged. Boxes are reported in the original photo's coordinates.
 *
 * @module
 */

import type { RgbImage } from "@recognize/datasets";
import { flattenBackground, otsuThreshold, threshold } from "./binarize.ts";
import { type Box, connectedComponents } from "./components.ts";
import { downscale, type GrayImage } from "./gray_image.ts";
import { dilate } from "./morphology.ts";

/** Options of {@link findLetters}. */
export interface FindLettersOptions {
  /** Pixels of the working image (default 1.5 million): large photos are reduced to about this. */
  workingPixels?: number;
  /** Radius joining nearby ink before labelling, in working pixels (default 0). */
  joinRadius?: number;
  /** Upper bound of the ink threshold on the flattened image (default 0.72): keeps faint show-through out. */
  maxThreshold?: number;
}

/** What {@link findLetters} found. */
export interface LetterDetection {
  /** One box per character, `[y1, x1, y2, x2]` in the original image, inclusive. */
  boxes: Box[];
  /** The binary image at working resolution: ink 0 (black), paper 1 (white). */
  binary: GrayImage;
  /** Ink mask at working resolution (1 = ink). */
  mask: Uint8Array;
  /** Original pixels per working pixel. */
  scale: number;
  /** Boxes at working resolution, in the order of `boxes`. */
  workingBoxes: Box[];
  /** The ink threshold used. */
  threshold: number;
  /** Component label of every working pixel (0 = paper). */
  labels: Int32Array;
  /** The component labels that make up each box, in the order of `boxes`. */
  boxLabels: number[][];
}

/** Grey levels of an RGB image in [0, 1]. */
export function rgbToGray(img: RgbImage): GrayImage {
  const n = img.width * img.height, d = img.data;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    data[i] = (0.299 * d[i * 3] + 0.587 * d[i * 3 + 1] + 0.114 * d[i * 3 + 2]) / 255;
  }
  return { width: img.width, height: img.height, data };
}

const height = (b: Box) => b[2] - b[0] + 1;
const width = (b: Box) => b[3] - b[1] + 1;

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** A box and the components it is made of. */
interface Piece {
  box: Box;
  labels: number[];
}

/**
 * Merge boxes that are fragments of one character: one above the other and
 * overlapping in x (a broken stroke, a separate cross-bar), or side by side
 * with a hairline gap (a stem drawn apart from the rest of an R).
 */
function mergeFragments(pieces: Piece[], charHeight: number): Piece[] {
  const out = pieces.map((p) => ({ box: [...p.box] as Box, labels: [...p.labels] }));
  let merged = true;
  while (merged) {
    merged = false;
    for (let i = 0; i < out.length && !merged; i++) {
      for (let j = i + 1; j < out.length && !merged; j++) {
        const a = out[i].box, b = out[j].box;
        const overlapX = Math.min(a[3], b[3]) - Math.max(a[1], b[1]) + 1;
        const gapY = Math.max(a[0], b[0]) - Math.min(a[2], b[2]) - 1;
        const union: Box = [
          Math.min(a[0], b[0]),
          Math.min(a[1], b[1]),
          Math.max(a[2], b[2]),
          Math.max(a[3], b[3]),
        ];
        const fits = height(union) <= 1.6 * charHeight && width(union) <= 1.6 * charHeight;
        const stacked = overlapX > 0.5 * Math.min(width(a), width(b)) && gapY < 0.35 * charHeight;
        const touching = overlapX > -Math.max(2, 0.06 * charHeight) && gapY < 0 &&
          Math.min(width(a), width(b)) < 0.3 * charHeight && width(union) <= 1.1 * charHeight;
        if ((stacked || touching) && fits) {
          out[i] = { box: union, labels: [...out[i].labels, ...out[j].labels] };
          out.splice(j, 1);
          merged = true;
        }
      }
    }
  }
  return out;
}

/**
 * Find the characters of a photo of text.
 *
 * @param image The photo (RGB) or a grey image in [0, 1].
 * @param options Working size and threshold cap.
 * @returns Boxes in original coordinates, and the binary image.
 */
export function findLetters(
  image: RgbImage | GrayImage,
  options: FindLettersOptions = {},
): LetterDetection {
  const gray = "data" in image && image.data instanceof Float32Array
    ? image as GrayImage
    : rgbToGray(image as RgbImage);
  const scale = Math.max(
    1,
    Math.sqrt((gray.width * gray.height) / (options.workingPixels ?? 1.5e6)),
  );
  const work = downscale(gray, Math.round(gray.width / scale), Math.round(gray.height / scale));
  const { width: w, height: h } = work;
  const workLong = Math.max(w, h);

  const flat = flattenBackground(work, Math.max(4, Math.round(workLong / 80)));
  const t = Math.min(otsuThreshold(flat.data), options.maxThreshold ?? 0.72);
  const mask = threshold(flat, t);
  // join the strokes of a character (and pen gaps) before labelling
  const joined = dilate(mask, w, h, options.joinRadius ?? 0);
  const { components, labels } = connectedComponents(joined, w, h);

  // size filter: drop specks, then anything much smaller or larger than a typical character
  const minArea = Math.max(6, (workLong / 400) ** 2);
  let pieces = components
    .filter((c) => c.area >= minArea && height(c.box) < h / 3 && width(c.box) < w / 3)
    .map((c) => ({ box: c.box, labels: [c.label] }));
  const charHeight = median(pieces.map((p) => height(p.box)));
  pieces = mergeFragments(pieces, charHeight);
  const finalHeight = median(pieces.map((p) => height(p.box)));
  pieces = pieces.filter((p) => Math.max(height(p.box), width(p.box)) >= 0.35 * finalHeight);
  const boxes = pieces.map((p) => p.box);

  const binary = new Float32Array(w * h);
  for (let i = 0; i < binary.length; i++) binary[i] = mask[i] ? 0 : 1;
  const toOriginal = (b: Box): Box => [
    Math.floor(b[0] * scale),
    Math.floor(b[1] * scale),
    Math.min(gray.height - 1, Math.ceil((b[2] + 1) * scale) - 1),
    Math.min(gray.width - 1, Math.ceil((b[3] + 1) * scale) - 1),
  ];
  return {
    boxes: boxes.map(toOriginal),
    workingBoxes: boxes,
    binary: { width: w, height: h, data: binary },
    mask,
    scale,
    threshold: t,
    labels,
    boxLabels: pieces.map((p) => p.labels),
  };
}
