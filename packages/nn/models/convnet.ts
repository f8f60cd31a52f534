/**
 * A configurable CNN for image classification: blocks of
 * conv 3×3 → [batch-norm] → ReLU → max-pool 2×2, then global average
 * pooling (or flattening) and a linear head, with optional dropout. The
 * configuration is plain JSON, stored with the weights.
 *
 * @module
 */

import type { Backend, Generator, Tensor } from "@recognize/tensor";
import {
  AdaptiveAvgPool2d,
  BatchNorm2d,
  Conv2d,
  Dropout,
  Flatten,
  Linear,
  MaxPool2d,
  ReLU,
  Sequential,
} from "../layers.ts";
import { Module } from "../module.ts";

/** A ConvNet's architecture. */
export interface ConvNetConfig {
  /** Input channels (1 for NIST36, 3 for colour). */
  inChannels: number;
  /** Input height and width. */
  inputSize: number;
  /** Output channels of each block. */
  channels: number[];
  /** Convolutions per block (default 1). */
  convsPerBlock?: number;
  /** Batch normalisation after each convolution (default true). */
  batchNorm?: boolean;
  /** Hidden width of an extra fully connected layer before the output (0: none). */
  hidden?: number;
  /** Dropout before the classifier (default 0). */
  dropout?: number;
  /** Global average pooling before the head (default false: flatten). */
  globalPool?: boolean;
  /** Number of classes. */
  classes: number;
}

/**
 * A CNN built from a {@link ConvNetConfig}; parameters are named
 * `features.N.*` and `classifier.N.*` like torchvision's models.
 */
export class ConvNet extends Module {
  readonly config: ConvNetConfig;
  readonly features: Sequential;
  readonly classifier: Sequential;

  constructor(config: ConvNetConfig, options: { device?: Backend; generator?: Generator } = {}) {
    super();
    this.config = config;
    const layers: Module[] = [];
    let c = config.inChannels, size = config.inputSize;
    for (const out of config.channels) {
      for (let k = 0; k < (config.convsPerBlock ?? 1); k++) {
        layers.push(
          new Conv2d(c, out, 3, { padding: 1, bias: !(config.batchNorm ?? true), ...options }),
        );
        if (config.batchNorm ?? true) layers.push(new BatchNorm2d(out, options));
        layers.push(new ReLU());
        c = out;
      }
      layers.push(new MaxPool2d(2));
      size = Math.floor(size / 2);
    }
    this.features = this.registerModule("features", new Sequential(...layers));
    const head: Module[] = [];
    if (config.globalPool) head.push(new AdaptiveAvgPool2d(1));
    head.push(new Flatten());
    let width = config.globalPool ? c : c * size * size;
    if (config.dropout) head.push(new Dropout(config.dropout, options));
    if (config.hidden) {
      head.push(new Linear(width, config.hidden, options), new ReLU());
      if (config.dropout) head.push(new Dropout(config.dropout, options));
      width = config.hidden;
    }
    head.push(new Linear(width, config.classes, options));
    this.classifier = this.registerModule("classifier", new Sequential(...head));
  }

  forward(x: Tensor): Tensor {
    using f = this.features.forward(x);
    return this.classifier.forward(f);
  }
}
