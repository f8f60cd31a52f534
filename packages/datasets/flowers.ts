/**
 * Oxford Flowers-17, split into `train/`, `val/` and `test/` folders of
 * `0 … 16` as the course's `flowers_partition.py` arranges it (split 2 of
 * the official `datasplits.mat`: 40/20/20 images a class).
 *
 * @module
 */

import type { ImageDataset } from "./dataset.ts";
import { dataRoot, locate } from "./data_root.ts";
import { loadImageFolder } from "./image_folder.ts";

/** Class names of folders 0–16. */
export const FLOWERS17_CLASSES: readonly string[] = Object.freeze([
  "daffodil",
  "snowdrop",
  "lily of the valley",
  "bluebell",
  "crocus",
  "iris",
  "tiger lily",
  "tulip",
  "fritillary",
  "sunflower",
  "daisy",
  "colt's foot",
  "dandelion",
  "cowslip",
  "buttercup",
  "windflower",
  "pansy",
]);

/**
 * Load a Flowers-17 split resized to `size` (labels are the folder numbers).
 *
 * @param split `train`, `val` or `test`.
 * @param options `size`, `root`, `onProgress`.
 * @returns 3×H×W images in [0, 1].
 */
export async function loadFlowers17(
  split: "train" | "val" | "test",
  options: {
    size: readonly [number, number];
    root?: string;
    onProgress?: (done: number, total: number) => void;
    /** Decode only the first this-many images of each class. */
    perClass?: number;
  },
): Promise<ImageDataset> {
  const dir = await locate("flowers17", options.root ?? dataRoot());
  const d = await loadImageFolder(`${dir}/${split}`, {
    size: options.size,
    classes: Array.from({ length: 17 }, (_, i) => String(i)),
    onProgress: options.onProgress,
    perClass: options.perClass,
  });
  return { ...d, classes: [...FLOWERS17_CLASSES] };
}
