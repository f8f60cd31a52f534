/**
 * Mini-batches: the homework's `getRandomBatches`, and a seeded iterator
 * that reshuffles every epoch without copying the dataset.
 *
 * @module
 */

import { defaultGenerator, type Generator } from "@recognize/tensor";
import { type ImageDataset, imageSize } from "./dataset.ts";

/** One batch: the images' values and their labels. */
export interface Batch {
  /** `size·C·H·W` values. */
  x: Float32Array;
  /** `size` labels. */
  labels: Int32Array;
  /** Number of samples. */
  size: number;
}

/**
 * Copy the samples at `indices` into one batch.
 *
 * @param d The dataset.
 * @param indices Sample positions.
 * @returns The batch.
 */
export function gatherBatch(d: ImageDataset, indices: ArrayLike<number>): Batch {
  const size = imageSize(d);
  const x = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    x.set(d.images.subarray(j * size, (j + 1) * size), i * size);
    labels[i] = d.labels[j];
  }
  return { x, labels, size: indices.length };
}

/**
 * The homework's `get_random_batches`: shuffle once and split into batches
 * (the last one may be smaller).
 *
 * @param d The dataset.
 * @param batchSize Samples per batch.
 * @param generator The random source (default: the global one).
 * @returns Every batch, materialised.
 */
export function getRandomBatches(
  d: ImageDataset,
  batchSize: number,
  generator?: Generator,
): Batch[] {
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw new RangeError(`Cannot make batches of ${batchSize} samples`);
  }
  const order = (generator ?? defaultGenerator()).permutation(d.labels.length);
  const batches: Batch[] = [];
  for (let s = 0; s < order.length; s += batchSize) {
    batches.push(gatherBatch(d, order.subarray(s, s + batchSize)));
  }
  return batches;
}

/** Options of {@link BatchIterator}. */
export interface BatchOptions {
  /** Samples per batch. */
  batchSize: number;
  /** Reshuffle at the start of every epoch (default true). */
  shuffle?: boolean;
  /** Drop a last, smaller batch (default false). */
  dropLast?: boolean;
  /** The random source. */
  generator?: Generator;
}

/**
 * Iterates a dataset in batches, reshuffling every epoch.
 *
 * @example
 * ```ts
 * import { BatchIterator } from "@recognize/datasets";
 * const d = { images: new Float32Array(10), shape: [10, 1, 1, 1] as [number, number, number, number],
 *   labels: new Int32Array(10), classes: ["a"], source: "example" };
 * const it = new BatchIterator(d, { batchSize: 4 });
 * console.assert([...it.epoch()].map((b) => b.size).join() === "4,4,2");
 * ```
 */
export class BatchIterator {
  readonly #d: ImageDataset;
  readonly #options: Required<Omit<BatchOptions, "generator">> & { generator: Generator };

  constructor(d: ImageDataset, options: BatchOptions) {
    if (!Number.isInteger(options.batchSize) || options.batchSize <= 0) {
      throw new RangeError(`Cannot make batches of ${options.batchSize} samples`);
    }
    this.#d = d;
    this.#options = {
      batchSize: options.batchSize,
      shuffle: options.shuffle ?? true,
      dropLast: options.dropLast ?? false,
      generator: options.generator ?? defaultGenerator(),
    };
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = this.#d.labels.length, b = this.#options.batchSize;
    return this.#options.dropLast ? Math.floor(n / b) : Math.ceil(n / b);
  }

  /** One pass over the data. */
  *epoch(): IterableIterator<Batch> {
    const n = this.#d.labels.length, b = this.#options.batchSize;
    const order = this.#options.shuffle
      ? this.#options.generator.permutation(n)
      : Int32Array.from({ length: n }, (_, i) => i);
    for (let s = 0; s < n; s += b) {
      if (this.#options.dropLast && s + b > n) break;
      yield gatherBatch(this.#d, order.subarray(s, s + b));
    }
  }
}
