/**
 * Saved Module networks: the weights as safetensors with PyTorch's names,
 * plus enough metadata (architecture name, configuration, class names,
 * input shape) to rebuild the network and use it as a classifier.
 *
 * @module
 */

import { loadSafetensors } from "@recognize/io";
import { type Backend, noGrad, type Tensor, tensor } from "@recognize/tensor";
import { type ImageClassifier, registerClassifierFormat } from "./classifier.ts";
import type { Module } from "./module.ts";
import { ConvNet, type ConvNetConfig } from "./models/convnet.ts";
import { FcNet, type FcNetConfig } from "./models/fcnet.ts";
import { SqueezeNet } from "./models/squeezenet.ts";

type Factory = (config: Record<string, unknown>, options: { device?: Backend }) => Module;

const architectures = new Map<string, Factory>([
  ["convnet", (c, o) => new ConvNet(c as unknown as ConvNetConfig, o)],
  ["fcnet", (c, o) => new FcNet(c as unknown as FcNetConfig, o)],
  ["squeezenet1_1", (c, o) => new SqueezeNet(Number(c.classes ?? 1000), o)],
]);

/**
 * Make an architecture loadable by name.
 *
 * @param name The name stored in model files.
 * @param factory Builds the module from its configuration.
 */
export function registerArchitecture(name: string, factory: Factory): void {
  architectures.set(name, factory);
}

/** What a saved network says about itself. */
export interface ModelInfo {
  /** Architecture name. */
  arch: string;
  /** Its configuration. */
  config: Record<string, unknown>;
  /** Class names. */
  classes: string[];
  /** Input shape without the batch axis, e.g. `[1, 32, 32]`. */
  inputShape: number[];
  /**
   * The per-channel normalisation the network was trained with (`(x − mean) / std` on
   * images in [0, 1]); a classifier built from the file applies it to its input.
   */
  normalize?: { mean: number[]; std: number[] };
  /** Anything else to record (metrics, settings). */
  extra?: Record<string, string>;
}

/**
 * Save a network with what is needed to rebuild it.
 *
 * @param path The file.
 * @param module The network.
 * @param info Architecture, configuration, classes, input shape.
 */
export async function saveModel(path: string, module: Module, info: ModelInfo): Promise<void> {
  if (!architectures.has(info.arch)) throw new TypeError(`Unknown architecture "${info.arch}"`);
  await module.save(path, {
    format: "recognize-module",
    arch: info.arch,
    config: JSON.stringify(info.config),
    classes: JSON.stringify(info.classes),
    input: JSON.stringify(info.inputShape),
    ...(info.normalize ? { normalize: JSON.stringify(info.normalize) } : {}),
    ...info.extra,
  });
}

/**
 * Rebuild a network saved by {@link saveModel} (in eval mode).
 *
 * @param path The file.
 * @param device Where to build it.
 * @returns The network and its description.
 */
export async function loadModel(
  path: string,
  device?: Backend,
): Promise<{ module: Module; info: ModelInfo; metadata: Record<string, string> }> {
  const { metadata } = await loadSafetensors(path);
  if (metadata.format !== "recognize-module") {
    throw new TypeError(
      `${path} is not a Module network saved by recognize (format "${metadata.format ?? "none"}")`,
    );
  }
  const factory = architectures.get(metadata.arch);
  if (!factory) throw new TypeError(`${path}: unknown architecture "${metadata.arch}"`);
  const config = JSON.parse(metadata.config);
  const module = factory(config, { device });
  await module.load(path);
  module.eval();
  return {
    module,
    info: {
      arch: metadata.arch,
      config,
      classes: JSON.parse(metadata.classes),
      inputShape: JSON.parse(metadata.input),
      ...(metadata.normalize ? { normalize: JSON.parse(metadata.normalize) } : {}),
    },
    metadata,
  };
}

/**
 * A Module network as an {@link ImageClassifier} (softmax of its logits).
 *
 * @param module The network (put in eval mode).
 * @param classes Class names.
 * @param kind A description.
 * @param normalize The input normalisation the network was trained with, applied to images in [0, 1].
 * @returns The classifier.
 */
export function moduleClassifier(
  module: Module,
  classes: readonly string[],
  kind: string,
  normalize?: { mean: readonly number[]; std: readonly number[] },
): ImageClassifier {
  module.eval();
  return {
    classes,
    kind,
    predict(images: Tensor): Tensor {
      return noGrad(() => {
        if (!normalize) {
          using logits = module.forward(images);
          return logits.softmax(-1);
        }
        const c = images.shape[1];
        if (normalize.mean.length !== c || normalize.std.length !== c) {
          throw new RangeError(
            `${kind}: normalisation for ${normalize.mean.length} channels, images have ${c}`,
          );
        }
        const view = [1, c, ...images.shape.slice(2).map(() => 1)];
        using mean = tensor([...normalize.mean], { shape: view, device: images.device });
        using invStd = tensor(normalize.std.map((s) => 1 / s), {
          shape: view,
          device: images.device,
        });
        using centred = images.sub(mean);
        using x = centred.mul(invStd);
        using logits = module.forward(x);
        return logits.softmax(-1);
      });
    },
  };
}

registerClassifierFormat("recognize-module", async (path, device) => {
  const { module, info } = await loadModel(path, device);
  return moduleClassifier(
    module,
    info.classes,
    `${info.arch} ${JSON.stringify(info.config)}`,
    info.normalize,
  );
});
