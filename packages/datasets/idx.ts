/**
 * MNIST's idx files (plain or gzip-compressed): `images-idx3-ubyte` and
 * `labels-idx1-ubyte`.
 *
 * @module
 */

import { gunzipSync } from "node:zlib";
import { FormatError, withContext } from "@recognize/io";
import type { ImageDataset } from "./dataset.ts";
import { dataRoot, locate } from "./data_root.ts";

/** A parsed idx file: its dimensions and unsigned bytes. */
export interface IdxArray {
  /** Dimensions, outermost first. */
  shape: number[];
  /** The values (idx type 0x08, unsigned bytes). */
  data: Uint8Array;
}

/**
 * Parse an idx file of unsigned bytes; gzip input is detected and inflated.
 *
 * @param input The file's bytes.
 * @returns Shape and data.
 * @throws {FormatError} On a bad magic number or a size mismatch.
 */
export function readIdx(input: Uint8Array): IdxArray {
  let bytes = input;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = new Uint8Array(gunzipSync(bytes, { maxOutputLength: 2 ** 31 }));
    } catch (e) {
      throw new FormatError(`the gzip stream is corrupt: ${(e as Error).message}`);
    }
  }
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new FormatError("not an idx file (bad magic number)");
  }
  if (bytes[2] !== 0x08) {
    throw new FormatError(
      `idx element type 0x${bytes[2].toString(16)} is not supported (only unsigned bytes)`,
    );
  }
  const rank = bytes[3];
  if (rank < 1 || 4 + 4 * rank > bytes.length) {
    throw new FormatError(`idx header of rank ${rank} is truncated`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * rank;
  if (bytes.length - start !== count) {
    throw new FormatError(
      `idx data holds ${bytes.length - start} bytes for shape [${shape}] (${count})`,
    );
  }
  return { shape, data: bytes.subarray(start) };
}

/**
 * Load an MNIST split as 1×28×28 images in [0, 1] (white digits on black, as stored).
 *
 * @param split `train` or `t10k`.
 * @param options `root`: the data folder.
 * @returns The dataset.
 */
export async function loadMnist(
  split: "train" | "t10k",
  options: { root?: string } = {},
): Promise<ImageDataset> {
  const dir = await locate("mnist", options.root ?? dataRoot());
  const read = async (name: string) => {
    for (const file of [`${dir}/${name}.gz`, `${dir}/${name}`]) {
      let bytes: Uint8Array;
      try {
        bytes = await Deno.readFile(file);
      } catch {
        continue;
      }
      return withContext(file, () => readIdx(bytes));
    }
    throw new FormatError(`${dir}/${name}(.gz) is missing`);
  };
  const images = await read(`${split}-images-idx3-ubyte`);
  const labels = await read(`${split}-labels-idx1-ubyte`);
  const [n, h, w] = images.shape;
  if (images.shape.length !== 3 || labels.shape[0] !== n) {
    throw new FormatError(
      `MNIST ${split}: ${labels.shape[0]} labels for image shape [${images.shape}]`,
    );
  }
  const x = new Float32Array(images.data.length);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i] / 255;
  return {
    images: x,
    shape: [n, 1, h, w],
    labels: Int32Array.from(labels.data),
    classes: Array.from({ length: 10 }, (_, i) => String(i)),
    source: dir,
  };
}
