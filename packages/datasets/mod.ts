/**
 * Datasets for the homework, read by real loaders: NIST36 (and any
 * NIST-format MAT-file), MNIST, CIFAR-10, Flowers-17, the HW1 SUN scenes and
 * any class-per-folder image tree; a MATLAB v5 reader; image decoding by
 * content; batching and transforms; fetching into a local cache.
 *
 * Datasets are found under a data root: `--data DIR`, else the
 * `RECOGNIZE_DATA` environment variable, else `data/`.
 *
 * ```ts ignore
 * import { loadNist36 } from "@recognize/datasets";
 * const train = await loadNist36("train");
 * console.log(train.shape, train.classes[train.labels[0]]);
 * ```
 *
 * @module
 */

export * from "./dataset.ts";
export * from "./data_root.ts";
export * from "./mat.ts";
export * from "./nist36.ts";
export * from "./idx.ts";
export * from "./image.ts";
export * from "./image_folder.ts";
export * from "./cifar.ts";
export * from "./sun.ts";
export * from "./flowers.ts";
export * from "./transforms.ts";
export * from "./batches.ts";
export * from "./fetch.ts";
export * from "./synthetic.ts";
