/**
 * Class-per-folder image trees (`root/<class>/<image>`), as torchvision's
 * `ImageFolder` reads them, decoded by content and resized to one size.
 *
 * **Class order** is stable and stated: folder names that are all numbers
 * sort numerically (`0, 1, 2, …, 10`), otherwise lexicographically. (torchvision
 * sorts as strings, so its index of folder `10` is 2; ours is 10, the folder's
 * own number.) Files sort by name, so the order of samples is stable too.
 *
 * @module
 */

import { FormatError } from "@recognize/io";
import type { ImageDataset } from "./dataset.ts";
import { loadImage } from "./image.ts";
import { rgbToPlanes } from "./transforms.ts";

/** Options of {@link loadImageFolder}. */
export interface ImageFolderOptions {
  /** `[height, width]` every image is resized to. */
  size: readonly [number, number];
  /** Class names in label order; default: the folders, ordered as above. */
  classes?: readonly string[];
  /** Called after each image. */
  onProgress?: (done: number, total: number) => void;
  /** Decode only the first this-many files of each class (quick runs). */
  perClass?: number;
}

/** Sort names numerically when they are all numbers, else lexicographically. */
export function naturalSort(names: readonly string[]): string[] {
  const numeric = names.every((n) => /^\d+$/.test(n));
  return [...names].sort(
    numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0),
  );
}

async function listDir(dir: string): Promise<Deno.DirEntry[]> {
  const out: Deno.DirEntry[] = [];
  try {
    for await (const e of Deno.readDir(dir)) if (!e.name.startsWith(".")) out.push(e);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new FormatError(`${dir} does not exist`);
    throw e;
  }
  return out;
}

/**
 * The files of an image tree, by class.
 *
 * @param root The tree.
 * @param classes Class folders in label order (default: every folder, naturally sorted).
 * @returns Paths, labels and class names.
 * @throws {FormatError} When there are no class folders, or a class has no files.
 */
export async function listImageFolder(
  root: string,
  classes?: readonly string[],
): Promise<{ files: string[]; labels: Int32Array; classes: string[] }> {
  const dirs = (await listDir(root)).filter((e) => e.isDirectory).map((e) => e.name);
  const names = classes ? [...classes] : naturalSort(dirs);
  if (names.length === 0) throw new FormatError(`${root} has no class folders`);
  const files: string[] = [], labels: number[] = [];
  for (const [label, name] of names.entries()) {
    if (!dirs.includes(name)) throw new FormatError(`${root} has no folder for class "${name}"`);
    const entries = (await listDir(`${root}/${name}`)).filter((e) => e.isFile).map((e) => e.name)
      .sort();
    if (entries.length === 0) throw new FormatError(`class folder ${root}/${name} holds no files`);
    for (const f of entries) {
      files.push(`${root}/${name}/${f}`);
      labels.push(label);
    }
  }
  return { files, labels: Int32Array.from(labels), classes: names };
}

/**
 * Decode image files into one dataset of `3×H×W` float images in [0, 1].
 *
 * @param files The files.
 * @param labels Their labels.
 * @param classes Class names.
 * @param options Size, progress callback, and how many files a class to keep.
 * @param source Description for messages.
 * @returns The dataset.
 * @throws {FormatError} Naming the first file that is not a readable image.
 */
export async function decodeFiles(
  files: readonly string[],
  labels: Int32Array,
  classes: string[],
  options: ImageFolderOptions,
  source: string,
): Promise<ImageDataset> {
  if (options.perClass !== undefined) {
    const counts = new Array<number>(classes.length).fill(0);
    const keep = [...labels.keys()].filter((i) => counts[labels[i]]++ < options.perClass!);
    files = keep.map((i) => files[i]);
    labels = Int32Array.from(keep, (i) => labels[i]);
  }
  const [h, w] = options.size;
  const images = new Float32Array(files.length * 3 * h * w);
  for (let i = 0; i < files.length; i++) {
    images.set(rgbToPlanes(await loadImage(files[i]), [h, w]), i * 3 * h * w);
    options.onProgress?.(i + 1, files.length);
  }
  return { images, shape: [files.length, 3, h, w], labels, classes, source };
}

/**
 * Load a class-per-folder image tree.
 *
 * @param root The tree's folder.
 * @param options Size, class order, progress callback.
 * @returns The dataset.
 */
export async function loadImageFolder(
  root: string,
  options: ImageFolderOptions,
): Promise<ImageDataset> {
  const { files, labels, classes } = await listImageFolder(root, options.classes);
  return await decodeFiles(files, labels, classes, options, root);
}
