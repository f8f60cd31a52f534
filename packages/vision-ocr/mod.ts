/**
 * Reading hand-printed text from photos: {@link findLetters} finds the
 * characters, {@link groupIntoLines} puts them in reading order with word
 * breaks, {@link normalizeCrop} makes each look like a training image, and
 * {@link recognize} classifies them with any 32×32 classifier.
 *
 * ```ts ignore
 * import { loadImage } from "@recognize/datasets";
 * import { recognize } from "@recognize/vision-ocr";
 * const result = await recognize(await loadImage("03_haiku.jpg"), classifier);
 * console.log(result.text);
 * ```
 *
 * @module
 */

export * from "./gray_image.ts";
export * from "./binarize.ts";
export * from "./morphology.ts";
export * from "./components.ts";
export * from "./find_letters.ts";
export * from "./lines.ts";
export * from "./crop.ts";
export * from "./classifier.ts";
export * from "./context.ts";
export * from "./recognize.ts";
