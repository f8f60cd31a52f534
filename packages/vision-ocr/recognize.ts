/**
 * `recognize`: the text of a photo. Find the letters, group them into
 * lines and words, normalise each crop to look like a training image,
 * classify the crops in one batch, and decode with word context.
 *
 * @module
 */

import type { RgbImage } from "@recognize/datasets";
import { noGrad, resolveDevice, tensor } from "@recognize/tensor";
import type { CharClassifier } from "./classifier.ts";
import type { Box } from "./components.ts";
import { type ContextOptions, decodeWithContext } from "./context.ts";
import { normalizeCrop } from "./crop.ts";
import { findLetters, type FindLettersOptions, type LetterDetection } from "./find_letters.ts";
import type { GrayImage } from "./gray_image.ts";
import { groupIntoLines } from "./lines.ts";

/** One recognised character. */
export interface RecognizedChar {
  /** The character. */
  char: string;
  /** Its probability under the classifier. */
  confidence: number;
  /** Box `[y1, x1, y2, x2]` in the original image. */
  box: Box;
  /** The classifier's own first choice, before word context. */
  raw: string;
}

/** One recognised line. */
export interface RecognizedLine {
  /** The text, with spaces between words. */
  text: string;
  /** Characters in reading order. */
  chars: RecognizedChar[];
}

/** Everything {@link recognize} found. */
export interface Recognition {
  /** The lines of text, top to bottom. */
  lines: RecognizedLine[];
  /** The lines joined by line breaks. */
  text: string;
  /** The detection (binary image, boxes). */
  detection: LetterDetection;
  /** The normalised 32×32 crops, in reading order (`n·1024`). */
  crops: Float32Array;
}

/** Options of {@link recognize}. */
export interface RecognizeOptions extends FindLettersOptions {
  /** Decode with word context (default true). */
  context?: boolean;
  /** The letter prior inside words (see {@link ContextOptions}; `null` for none). */
  letterPrior?: ContextOptions["letterPrior"];
}

/**
 * Read the text of a photo.
 *
 * @param image The photo (RGB) or a grey image in [0, 1].
 * @param classifier Any 32×32 character classifier.
 * @param options Detection settings and whether to use word context.
 * @returns Lines, characters with boxes and confidences, and the detection.
 */
export async function recognize(
  image: RgbImage | GrayImage,
  classifier: CharClassifier,
  options: RecognizeOptions = {},
): Promise<Recognition> {
  const detection = findLetters(image, options);
  const { mask, binary } = detection;
  // group in working coordinates, then map each box back by its index
  const index = new Map(detection.workingBoxes.map((b, i) => [b, i]));
  const lines = groupIntoLines(detection.workingBoxes);
  const order = lines.flatMap((l) => l.boxes.map((b) => index.get(b)!));
  const crops = new Float32Array(order.length * 1024);
  order.forEach((k, i) =>
    crops.set(normalizeCrop(mask, binary.width, binary.height, detection.workingBoxes[k]), i * 1024)
  );

  let probs = new Float32Array(0);
  if (order.length > 0) {
    const device = resolveDevice();
    using x = tensor(crops, { shape: [order.length, 1, 32, 32], device });
    using p = noGrad(() => classifier.predict(x));
    probs = Float32Array.from(await p.data());
  }
  const c = classifier.classes.length;
  let at = 0;
  const out: RecognizedLine[] = lines.map((line) => {
    const n = line.boxes.length;
    const rows = Array.from(
      { length: n },
      (_, i) => probs.subarray((at + i) * c, (at + i + 1) * c),
    );
    const words: [number, number][] = [];
    let start = 0;
    for (const s of [...line.spacesAfter, n - 1]) {
      words.push([start, s + 1]);
      start = s + 1;
    }
    const decoded = decodeWithContext(
      rows,
      classifier.classes,
      options.context === false ? [] : words,
      { letterPrior: options.letterPrior },
    );
    const raw = decodeWithContext(rows, classifier.classes, []);
    const chars = decoded.map((d, i) => ({
      char: d.char,
      confidence: d.confidence,
      box: detection.boxes[order[at + i]],
      raw: raw[i].char,
    }));
    at += n;
    const text = chars.map((ch, i) => ch.char + (line.spacesAfter.includes(i) ? " " : "")).join("");
    return { text, chars };
  });
  return { lines: out, text: out.map((l) => l.text).join("\n"), detection, crops };
}
