/**
 * CIFAR-10: the official binary batches (`cifar-10-batches-bin`: records of
 * one label byte and 3×32×32 pixel bytes), or a class-per-folder tree of the
 * same images (such as the shared JPEG copy).
 *
 * @module
 */

import { FormatError, withContext } from "@recognize/io";
import { type ImageDataset, takePerClass } from "./dataset.ts";
import { dataRoot, locate } from "./data_root.ts";
import { loadImageFolder } from "./image_folder.ts";

/** CIFAR-10's classes in label order. */
export const CIFAR10_CLASSES: readonly string[] = Object.freeze([
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
]);

const RECORD = 1 + 3 * 32 * 32;

/**
 * Parse binary batches into one dataset.
 *
 * @param batches The `.bin` files' bytes.
 * @param source Description for messages.
 * @returns 3×32×32 images in [0, 1].
 * @throws {FormatError} When a file is not a whole number of records or has a bad label.
 */
export function readCifarBatches(batches: readonly Uint8Array[], source: string): ImageDataset {
  const n = batches.reduce((s, b) => {
    if (b.length % RECORD !== 0) {
      throw new FormatError(`a batch of ${b.length} bytes is not whole ${RECORD}-byte records`);
    }
    return s + b.length / RECORD;
  }, 0);
  const images = new Float32Array(n * 3072), labels = new Int32Array(n);
  let i = 0;
  for (const b of batches) {
    for (let o = 0; o < b.length; o += RECORD, i++) {
      if (b[o] > 9) throw new FormatError(`record ${i} has label ${b[o]}`);
      labels[i] = b[o];
      for (let p = 0; p < 3072; p++) images[i * 3072 + p] = b[o + 1 + p] / 255;
    }
  }
  return { images, shape: [n, 3, 32, 32], labels, classes: [...CIFAR10_CLASSES], source };
}

/**
 * Load a CIFAR-10 split: from the binary batches when present, else from the
 * JPEG tree (`<root>/cifar10-jpg/{train,test}/<class>/`).
 *
 * @param split `train` or `test`.
 * @param options `root`: the data folder; `onProgress` while decoding JPEGs.
 * @returns 3×32×32 images in [0, 1].
 */
export async function loadCifar10(
  split: "train" | "test",
  options: {
    root?: string;
    onProgress?: (done: number, total: number) => void;
    /** Keep only the first this-many images of each class (decoding only those). */
    perClass?: number;
  } = {},
): Promise<ImageDataset> {
  const root = options.root ?? dataRoot();
  try {
    const dir = await locate("cifar10-bin", root);
    const names = split === "train"
      ? [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`)
      : ["test_batch.bin"];
    const batches = [];
    for (const name of names) {
      const bytes = await Deno.readFile(`${dir}/${name}`);
      batches.push(bytes);
      withContext(`${dir}/${name}`, () => readCifarBatches([bytes], name));
    }
    const all = readCifarBatches(batches, dir);
    return options.perClass === undefined ? all : takePerClass(all, options.perClass);
  } catch (e) {
    if (e instanceof FormatError) throw e;
  }
  const dir = await locate("cifar10-jpg", root);
  return await loadImageFolder(`${dir}/${split}`, {
    size: [32, 32],
    classes: CIFAR10_CLASSES,
    onProgress: options.onProgress,
    perClass: options.perClass,
  });
}
