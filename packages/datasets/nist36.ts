/**
 * NIST36: 32×32 handwritten characters in 36 classes, A–Z then 0–9, as the
 * course's `nist36_{train,valid,test}.mat` files hold them (keys
 * `<split>_data`, N×1024, and `<split>_labels`, N×36 one-hot).
 *
 * **Orientation.** MATLAB wrote each 32×32 image column-major, so a row of
 * `<split>_data` read in order walks down the columns of the picture; NumPy
 * users write `x.reshape(32, 32).T`. This loader does that transposition
 * once, here: every image it returns is upright and row-major
 * (`images[n·1024 + row·32 + col]`). Ink is dark (≈0) on white (≈1).
 *
 * @module
 */

import { FormatError, withContext } from "@recognize/io";
import { allocLargeArray } from "@recognize/tensor";
import type { ImageDataset } from "./dataset.ts";
import { dataRoot, locate } from "./data_root.ts";
import { loadMat, type MatVariable, releaseMat } from "./mat.ts";

/** The 36 class names, by label index. */
export const NIST36_CLASSES: readonly string[] = Object.freeze(
  [..."ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"],
);

/** A split of the course's files. */
export type Nist36Split = "train" | "valid" | "test";

function labelsOf(v: MatVariable, n: number, key: string): { labels: Int32Array; classes: number } {
  if (v.class === "char") throw new FormatError(`"${key}" is a char array, not labels`);
  const [rows, cols] = v.shape;
  if (rows !== n) throw new FormatError(`"${key}" has ${rows} rows for ${n} images`);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let hot = -1;
    for (let c = 0; c < cols; c++) {
      if (Number(v.data[i + c * rows]) !== 0) {
        if (hot >= 0) throw new FormatError(`row ${i} of "${key}" is not one-hot`);
        hot = c;
      }
    }
    if (hot < 0) throw new FormatError(`row ${i} of "${key}" has no class set`);
    labels[i] = hot;
  }
  return { labels, classes: cols };
}

/**
 * Turn the variables of a NIST-format MAT-file (read with `order: "column"`)
 * into upright images and class indices.
 *
 * @param vars Variables from `readMat(…, { order: "column" })`.
 * @param split The key prefix (`train`, `valid`, `test`); found automatically when omitted.
 * @param source The file name, for messages.
 * @returns The dataset (1×32×32 images).
 */
export function nistFromMat(
  vars: Map<string, MatVariable>,
  split: string | undefined,
  source: string,
): ImageDataset {
  const prefix = split ?? [...vars.keys()].find((k) => k.endsWith("_data"))?.slice(0, -5);
  const dataKey = `${prefix}_data`, labelKey = `${prefix}_labels`;
  const data = vars.get(dataKey), labelVar = vars.get(labelKey);
  if (!data || !labelVar) {
    throw new FormatError(
      `no "${dataKey}" and "${labelKey}" variables (the file has ${
        [...vars.keys()].join(", ") || "none"
      })`,
    );
  }
  if (data.class === "char" || data.shape.length !== 2 || data.shape[1] !== 1024) {
    throw new FormatError(
      `"${dataKey}" should be N×1024 numbers, not ${data.class} [${data.shape}]`,
    );
  }
  const n = data.shape[0];
  const col = data.data;
  // out of the C heap: a split is freed once it is on the device (see allocLargeArray)
  const images = allocLargeArray("float32", n * 1024) as Float32Array;
  // column-major file: sample i, pixel p at col[i + p·n]; pixel p is (row p%32, column ⌊p/32⌋).
  // Blocks of 16 samples keep both the reads and the writes close together.
  const values = col instanceof Float64Array
    ? col
    : Float64Array.from(col as ArrayLike<number>, Number);
  for (let i0 = 0; i0 < n; i0 += 16) {
    const i1 = Math.min(n, i0 + 16);
    for (let p = 0; p < 1024; p++) {
      const dst = (p % 32) * 32 + (p >> 5), base = p * n;
      for (let i = i0; i < i1; i++) images[i * 1024 + dst] = values[base + i];
    }
  }
  const { labels, classes } = labelsOf(labelVar, n, labelKey);
  const names = classes === 36
    ? [...NIST36_CLASSES]
    : classes === 26
    ? NIST36_CLASSES.slice(0, 26)
    : Array.from({ length: classes }, (_, i) => String(i));
  return { images, shape: [n, 1, 32, 32], labels, classes: names, source };
}

/**
 * Load a NIST-format MAT-file (NIST36, or the older NIST26).
 *
 * @param path The `.mat` file.
 * @param split Key prefix; found automatically when the file has one `*_data` key.
 * @returns The dataset.
 */
export async function loadNistFile(path: string, split?: string): Promise<ImageDataset> {
  const vars = await loadMat(path, { order: "column" });
  try {
    return withContext(path, () => nistFromMat(vars, split, path));
  } finally {
    releaseMat(vars); // the images are floats now: the doubles go at once
  }
}

/**
 * Load one NIST36 split from the data root (see `dataRoot`).
 *
 * @param split `train`, `valid` or `test`.
 * @param options `root`: the data folder (default from `--data`/`RECOGNIZE_DATA`/`data`).
 * @returns 1×32×32 upright images with labels 0–35.
 */
export async function loadNist36(
  split: Nist36Split,
  options: { root?: string } = {},
): Promise<ImageDataset> {
  const dir = await locate("nist36", options.root ?? dataRoot());
  return await loadNistFile(`${dir}/nist36_${split}.mat`, split);
}
