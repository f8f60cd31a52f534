/**
 * Where datasets live: a folder given by `--data DIR`, else the
 * `RECOGNIZE_DATA` environment variable, else the `data/` cache that
 * `deno task data fetch` fills. Each dataset is looked for under a few
 * names, so the course's own layout and the shared copy both work.
 *
 * @module
 */

import { exists } from "./_fs.ts";

/** The environment variable naming a local data folder. */
export const DATA_ENV = "RECOGNIZE_DATA";

/** Datasets the toolkit knows, with the sub-folders each may sit in and a file that marks it. */
export const LAYOUTS = {
  nist36: { dirs: ["nist36", "data", "nist36-sub", "."], marker: "nist36_valid.mat" },
  nist26: { dirs: ["nist26-2016", "data", "."], marker: "nist26_valid.mat" },
  images: { dirs: ["images", "ocr-images"], marker: "01_list.jpg" },
  mnist: {
    dirs: ["mnist", "MNIST/raw", "alternatives/mnist-t10k"],
    marker: "t10k-labels-idx1-ubyte.gz",
  },
  "cifar10-bin": {
    dirs: ["cifar-10-batches-bin", "cifar10/cifar-10-batches-bin"],
    marker: "test_batch.bin",
  },
  "cifar10-jpg": { dirs: ["cifar10-jpg", "cifar10"], marker: "test" },
  sun: { dirs: ["hw1-sun", "sun", "hw1/data"], marker: "train_files.txt" },
  flowers17: { dirs: ["oxford-flowers17", "flowers17"], marker: "train" },
  squeezenet: {
    dirs: ["models/squeezenet1_1-imagenet-backbone_flowers17-head", "models", "squeezenet"],
    marker: "squeezenet1_1_flowers17.safetensors",
  },
} as const;

/** A dataset name. */
export type DatasetName = keyof typeof LAYOUTS;

/**
 * The data root: the flag, else `RECOGNIZE_DATA`, else `data`.
 *
 * @param flag The value of `--data`, if given.
 * @returns The folder.
 */
export function dataRoot(flag?: string): string {
  if (flag) return flag.replace(/\/+$/, "");
  let env: string | undefined;
  try {
    env = Deno.env.get(DATA_ENV);
  } catch { /* no env permission */ }
  return env ? env.replace(/\/+$/, "") : "data";
}

/** Raised when a dataset is not found; the message says where it looked and what to do. */
export class DatasetNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatasetNotFoundError";
  }
}

/**
 * Find a dataset's folder under the data root.
 *
 * @param name The dataset.
 * @param root The data root (see {@link dataRoot}).
 * @returns The folder holding the dataset.
 * @throws {DatasetNotFoundError} Listing the places looked at and how to get the data.
 */
export async function locate(name: DatasetName, root: string = dataRoot()): Promise<string> {
  const layout = LAYOUTS[name];
  for (const dir of layout.dirs) {
    const path = dir === "." ? root : `${root}/${dir}`;
    if (await exists(`${path}/${layout.marker}`)) return path;
  }
  throw new DatasetNotFoundError(
    `Cannot find the ${name} dataset under ${root} (looked for ${layout.marker} in ${
      layout.dirs.map((d) => (d === "." ? root : `${root}/${d}`)).join(", ")
    }). Download it with \`deno task data fetch ${name}\`, or point at a local copy with ` +
      `--data DIR or ${DATA_ENV}=DIR.`,
  );
}
