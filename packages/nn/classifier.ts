/**
 * Load any saved character classifier — the hand-written MLP of Q3 or a
 * Module network of Q6 — behind one interface: class names, and
 * probabilities for a batch of images.
 *
 * @module
 */

import { loadSafetensors } from "@recognize/io";
import { type Backend, noGrad, type Tensor } from "@recognize/tensor";
import { Mlp } from "./mlp.ts";

/** A classifier of 1×32×32 (or other fixed-size) images. */
export interface ImageClassifier {
  /** Class names by index. */
  readonly classes: readonly string[];
  /** What the file said it is. */
  readonly kind: string;
  /**
   * Class probabilities.
   *
   * @param images `[N, C, H, W]`.
   * @returns `[N, classes]` (the caller owns it).
   */
  predict(images: Tensor): Tensor;
}

/** Loaders for formats other than the MLP, registered by the packages that define them. */
const loaders = new Map<string, (path: string, device?: Backend) => Promise<ImageClassifier>>();

/**
 * Register a loader for a model format (the `format` metadata of its safetensors file).
 *
 * @param format The format name.
 * @param load The loader.
 */
export function registerClassifierFormat(
  format: string,
  load: (path: string, device?: Backend) => Promise<ImageClassifier>,
): void {
  loaders.set(format, load);
}

/**
 * Load a saved classifier, whatever its kind.
 *
 * @param path A safetensors model written by `q3` or `q6`.
 * @param device Where to run it.
 * @returns The classifier.
 * @throws {TypeError} Naming the format when it is not a classifier this toolkit knows.
 */
export async function loadClassifier(path: string, device?: Backend): Promise<ImageClassifier> {
  const { metadata } = await loadSafetensors(path);
  if (metadata.format === "recognize-mlp") {
    const { mlp } = await Mlp.load(path, { device });
    return {
      classes: mlp.classes,
      kind: `MLP ${mlp.sizes.join("-")}`,
      predict: (images) => noGrad(() => mlp.predict(images.reshape([images.shape[0], -1]))),
    };
  }
  const load = loaders.get(metadata.format ?? "");
  if (!load) {
    throw new TypeError(
      `${path} is not a classifier this toolkit can load (format "${metadata.format ?? "none"}"; ` +
        `known: recognize-mlp${[...loaders.keys()].map((k) => `, ${k}`).join("")})`,
    );
  }
  return await load(path, device);
}
