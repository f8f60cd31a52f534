/**
 * The OCR app end to end on one of the homework photos (04_deep.jpg, 12 MP,
 * by default): decode, find the letters, classify, decode with context.
 * Reports the median of a few runs, and of decoding and detection alone,
 * against the target of 1.5 s.
 *
 * @module
 */

import { dataRoot, loadImage, locate } from "@recognize/datasets";
import { loadClassifier } from "@recognize/nn";
import type { Backend } from "@recognize/tensor";
import { findLetters, recognize } from "@recognize/vision-ocr";
import { DEFAULT_MODEL } from "../q4/model.ts";
import { report, timeIt } from "./timing.ts";

/** The target for 04_deep.jpg end to end, in seconds. */
export const OCR_TARGET_SECONDS = 1.5;

/**
 * Time the OCR of one photo.
 *
 * @param device The device the classifier runs on.
 * @param options The data folder, the photo's file name and the model.
 */
export async function benchOcrPhoto(
  device: Backend,
  options: { root?: string; photo?: string; model?: string } = {},
): Promise<void> {
  const dir = await locate("images", options.root ?? dataRoot());
  const photo = `${dir}/${options.photo ?? "04_deep.jpg"}`;
  const model = options.model ?? DEFAULT_MODEL;
  const classifier = await loadClassifier(model, device);
  const opts = { warmup: 1, minRuns: 3, minSeconds: 3, maxRuns: 7 };
  const decode = await timeIt(async () => void await loadImage(photo), device, opts);
  const image = await loadImage(photo);
  const detect = await timeIt(() => void findLetters(image), device, opts);
  let characters = 0;
  const total = await timeIt(
    async () => {
      const r = await recognize(await loadImage(photo), classifier);
      characters = r.lines.reduce((s, l) => s + l.chars.length, 0);
    },
    device,
    opts,
  );
  report({
    bench: "ocr_photo",
    photo: photo.slice(photo.lastIndexOf("/") + 1),
    pixels: image.width * image.height,
    model: model.slice(model.lastIndexOf("/") + 1),
    device: device.name,
    characters,
    decodeSeconds: decode,
    findLettersSeconds: detect,
    totalSeconds: total,
    targetSeconds: OCR_TARGET_SECONDS,
    totalOverTarget: total / OCR_TARGET_SECONDS,
  });
}
