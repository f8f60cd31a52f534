/**
 * The SUN scene subset of the course's Homework 1: images under
 * `<class>/<file>` listed by `{train,test}_files.txt`, with labels 0–7 in
 * `{train,test}_labels.txt`. Several files named `.jpg` are PNG, BMP or GIF;
 * decoding goes by content.
 *
 * @module
 */

import { FormatError } from "@recognize/io";
import type { ImageDataset } from "./dataset.ts";
import { dataRoot, locate } from "./data_root.ts";
import { decodeFiles } from "./image_folder.ts";

/** The eight HW1 scene classes, by label. */
export const SUN_CLASSES: readonly string[] = Object.freeze([
  "aquarium",
  "desert",
  "highway",
  "kitchen",
  "laundromat",
  "park",
  "waterfall",
  "windmill",
]);

/**
 * Parse the HW1 list files.
 *
 * @param files Content of `*_files.txt`.
 * @param labels Content of `*_labels.txt`.
 * @returns Relative paths and labels.
 * @throws {FormatError} On a count mismatch or a bad label.
 */
export function parseSunLists(
  files: string,
  labels: string,
): { paths: string[]; labels: Int32Array } {
  const paths = files.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const values = labels.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (paths.length !== values.length) {
    throw new FormatError(`${paths.length} files but ${values.length} labels`);
  }
  const out = new Int32Array(values.length);
  values.forEach((v, i) => {
    const k = Number(v);
    if (!Number.isInteger(k) || k < 0 || k >= SUN_CLASSES.length) {
      throw new FormatError(`label ${i + 1} is "${v}"`);
    }
    out[i] = k;
  });
  return { paths, labels: out };
}

/**
 * Load a SUN split resized to `size`.
 *
 * @param split `train` or `test`.
 * @param options `size` `[h, w]`, `root`, `onProgress`.
 * @returns 3×H×W images in [0, 1].
 */
export async function loadSun(
  split: "train" | "test",
  options: {
    size: readonly [number, number];
    root?: string;
    onProgress?: (done: number, total: number) => void;
    /** Decode only the first this-many images of each class. */
    perClass?: number;
  },
): Promise<ImageDataset> {
  const dir = await locate("sun", options.root ?? dataRoot());
  const lists = parseSunLists(
    await Deno.readTextFile(`${dir}/${split}_files.txt`),
    await Deno.readTextFile(`${dir}/${split}_labels.txt`),
  );
  return await decodeFiles(
    lists.paths.map((p) => `${dir}/${p}`),
    lists.labels,
    [...SUN_CLASSES],
    options,
    `${dir} (${split})`,
  );
}
