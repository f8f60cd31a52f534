/**
 * The in-memory shape every loader returns: images as one float32 array in
 * NCHW order, integer labels, and the class names.
 *
 * @module
 */

/** A labelled image dataset held in memory. */
export interface ImageDataset {
  /** `N·C·H·W` values, image after image, each channel-major and row-major. */
  images: Float32Array;
  /** `[N, C, H, W]`. */
  shape: [number, number, number, number];
  /** Class index of each image. */
  labels: Int32Array;
  /** Class names, indexed by label. */
  classes: string[];
  /** Where the data came from, for messages and metadata. */
  source: string;
}

/** Values per image (`C·H·W`). */
export function imageSize(d: ImageDataset): number {
  return d.shape[1] * d.shape[2] * d.shape[3];
}

/**
 * The first `count` images of a dataset (or those at `indices`), as a new dataset.
 *
 * @param d The dataset.
 * @param indices Which images, in order.
 * @returns The subset (copied).
 */
export function subset(d: ImageDataset, indices: ArrayLike<number>): ImageDataset {
  const size = imageSize(d);
  const images = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    if (!(j >= 0 && j < d.labels.length)) {
      throw new RangeError(`Cannot take image ${j} of ${d.labels.length}`);
    }
    images.set(d.images.subarray(j * size, (j + 1) * size), i * size);
    labels[i] = d.labels[j];
  }
  return {
    images,
    shape: [indices.length, d.shape[1], d.shape[2], d.shape[3]],
    labels,
    classes: d.classes,
    source: d.source,
  };
}

/**
 * Take `perClass` images of each class (the first ones, in order), for
 * small, balanced slices in tests and quick runs.
 *
 * @param d The dataset.
 * @param perClass Images per class.
 * @returns The balanced subset.
 */
export function takePerClass(d: ImageDataset, perClass: number): ImageDataset {
  const counts = new Array<number>(d.classes.length).fill(0);
  const picked: number[] = [];
  for (let i = 0; i < d.labels.length; i++) {
    if (counts[d.labels[i]]++ < perClass) picked.push(i);
  }
  return subset(d, picked);
}
