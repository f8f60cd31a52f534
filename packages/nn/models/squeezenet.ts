/**
 * SqueezeNet 1.1 as torchvision defines it: a stem convolution, max-pools
 * with `ceilMode`, and Fire modules whose 1×1 and 3×3 expand branches are
 * concatenated on the channel axis; the classifier is dropout, a 1×1
 * convolution to the classes, ReLU and global average pooling. Parameter
 * names match torchvision's (`features.3.squeeze.weight`, `classifier.1.bias`),
 * so its weights load directly.
 *
 * @module
 */

import { type Backend, concat, type Generator, type Tensor } from "@recognize/tensor";
import { AdaptiveAvgPool2d, Conv2d, Dropout, MaxPool2d, ReLU, Sequential } from "../layers.ts";
import { Module } from "../module.ts";

type Options = { device?: Backend; generator?: Generator };

/** A Fire module: squeeze 1×1, then 1×1 and 3×3 expansions concatenated. */
export class Fire extends Module {
  readonly squeeze: Conv2d;
  readonly expand1x1: Conv2d;
  readonly expand3x3: Conv2d;

  constructor(
    inplanes: number,
    squeeze: number,
    expand1x1: number,
    expand3x3: number,
    options: Options = {},
  ) {
    super();
    this.squeeze = this.registerModule("squeeze", new Conv2d(inplanes, squeeze, 1, options));
    this.expand1x1 = this.registerModule("expand1x1", new Conv2d(squeeze, expand1x1, 1, options));
    this.expand3x3 = this.registerModule(
      "expand3x3",
      new Conv2d(squeeze, expand3x3, 3, { padding: 1, ...options }),
    );
  }

  forward(x: Tensor): Tensor {
    using s0 = this.squeeze.forward(x);
    using s = s0.relu();
    using a0 = this.expand1x1.forward(s);
    using a = a0.relu();
    using b0 = this.expand3x3.forward(s);
    using b = b0.relu();
    return concat([a, b], 1);
  }
}

/** SqueezeNet 1.1. */
export class SqueezeNet extends Module {
  readonly features: Sequential;
  readonly classifier: Sequential;
  readonly numClasses: number;

  constructor(numClasses = 1000, options: Options & { dropout?: number } = {}) {
    super();
    this.numClasses = numClasses;
    const pool = () => new MaxPool2d(3, { stride: 2, ceilMode: true });
    this.features = this.registerModule(
      "features",
      new Sequential(
        new Conv2d(3, 64, 3, { stride: 2, ...options }),
        new ReLU(),
        pool(),
        new Fire(64, 16, 64, 64, options),
        new Fire(128, 16, 64, 64, options),
        pool(),
        new Fire(128, 32, 128, 128, options),
        new Fire(256, 32, 128, 128, options),
        pool(),
        new Fire(256, 48, 192, 192, options),
        new Fire(384, 48, 192, 192, options),
        new Fire(384, 64, 256, 256, options),
        new Fire(512, 64, 256, 256, options),
      ),
    );
    this.classifier = this.registerModule(
      "classifier",
      new Sequential(
        new Dropout(options.dropout ?? 0.5, options),
        new Conv2d(512, numClasses, 1, options),
        new ReLU(),
        new AdaptiveAvgPool2d(1),
      ),
    );
  }

  /** Logits `[N, classes]` of `[N, 3, H, W]` images. */
  forward(x: Tensor): Tensor {
    using f = this.features.forward(x);
    using c = this.classifier.forward(f);
    return c.flatten(1);
  }
}
