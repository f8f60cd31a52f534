/**
 * Layers on the Module API, each with PyTorch's parameter names, shapes and
 * default initialisation, built from the tensor package's primitives.
 *
 * @module
 */

import {
  adaptiveAvgPool2d,
  avgPool2d,
  type Backend,
  batchNorm,
  conv2d,
  defaultGenerator,
  dropout,
  type DType,
  type Generator,
  matmulBias,
  maxPool2d,
  noGrad,
  ones,
  type Pair,
  randUniform,
  type Tensor,
  zeros,
} from "@recognize/tensor";
import { Module } from "./module.ts";

/** A linear layer's product: `x·Wᵀ + b`, the bias per output column. */
const LINEAR = { transB: true, on: "cols" } as const;

/** Where and how parameters are made. */
export interface LayerOptions {
  /** Device of the parameters. */
  device?: Backend;
  /** Element type of the parameters (default float32). */
  dtype?: DType;
  /** Random source for initialisation. */
  generator?: Generator;
}

/** PyTorch's default init for linear and conv weights and biases: U(−1/√fanIn, 1/√fanIn). */
function uniformInit(shape: number[], fanIn: number, o: LayerOptions): Tensor {
  const bound = 1 / Math.sqrt(fanIn);
  return randUniform(shape, -bound, bound, {
    device: o.device,
    generator: o.generator ?? defaultGenerator(),
  });
}

/** `y = x·Wᵀ + b` with `weight` `[out, in]` and `bias` `[out]`. */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    inFeatures: number,
    outFeatures: number,
    options: LayerOptions & { bias?: boolean } = {},
  ) {
    super();
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = this.registerParameter(
      "weight",
      uniformInit([outFeatures, inFeatures], inFeatures, options),
    );
    this.bias = (options.bias ?? true)
      ? this.registerParameter("bias", uniformInit([outFeatures], inFeatures, options))
      : null;
  }

  forward(x: Tensor): Tensor {
    if (this.bias && x.rank === 2) return matmulBias(x, this.weight, this.bias, LINEAR);
    using y = x.matmul(this.weight, { transB: true });
    return this.bias ? y.add(this.bias) : y.reshape(y.shape);
  }
}

/** 2-D convolution with `weight` `[out, in, kh, kw]` and `bias` `[out]`. */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly #options: { stride: Pair; padding: Pair; dilation: Pair };

  constructor(
    inChannels: number,
    outChannels: number,
    kernel: Pair,
    options: LayerOptions & { stride?: Pair; padding?: Pair; dilation?: Pair; bias?: boolean } = {},
  ) {
    super();
    const [kh, kw] = typeof kernel === "number" ? [kernel, kernel] : kernel;
    const fanIn = inChannels * kh * kw;
    this.weight = this.registerParameter(
      "weight",
      uniformInit([outChannels, inChannels, kh, kw], fanIn, options),
    );
    this.bias = (options.bias ?? true)
      ? this.registerParameter("bias", uniformInit([outChannels], fanIn, options))
      : null;
    this.#options = {
      stride: options.stride ?? 1,
      padding: options.padding ?? 0,
      dilation: options.dilation ?? 1,
    };
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, this.#options);
  }
}

/**
 * Batch normalisation over the channels of `[N, C]` or `[N, C, H, W]`:
 * batch statistics while training (updating running averages with
 * PyTorch's momentum and unbiased variance), running statistics in eval.
 */
class BatchNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly eps: number;
  readonly momentum: number;
  readonly #rank: number;

  constructor(
    features: number,
    rank: number,
    options: LayerOptions & { eps?: number; momentum?: number } = {},
  ) {
    super();
    this.#rank = rank;
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    const where = { device: options.device, dtype: options.dtype };
    this.weight = this.registerParameter("weight", ones([features], where));
    this.bias = this.registerParameter("bias", zeros([features], where));
    this.registerBuffer("running_mean", zeros([features], where));
    this.registerBuffer("running_var", ones([features], where));
    this.registerBuffer("num_batches_tracked", zeros([], where));
  }

  forward(x: Tensor): Tensor {
    if (x.rank !== this.#rank) {
      throw new TypeError(
        `BatchNorm${this.#rank === 2 ? "1d" : "2d"} expects rank ${this.#rank}, got ${x.shape}`,
      );
    }
    if (this.training) {
      const { y, mean, variance } = batchNorm(x, this.weight, this.bias, this.eps);
      using m = mean, v = variance;
      this.#updateRunning(m, v, x.size / x.shape[1]);
      return y;
    }
    const view = this.#rank === 2 ? [1, -1] : [1, -1, 1, 1];
    using w = this.weight.reshape(view);
    using b = this.bias.reshape(view);
    using rm = this.buffer("running_mean").reshape(view);
    using rv = this.buffer("running_var").reshape(view);
    using shifted = rv.add(this.eps);
    using std = shifted.sqrt();
    using centred = x.sub(rm);
    using normed = centred.div(std);
    using scaled = normed.mul(w);
    return scaled.add(b);
  }

  #updateRunning(mean: Tensor, variance: Tensor, n: number): void {
    noGrad(() => {
      const m = this.momentum;
      using bm = mean.reshape([-1]);
      using bv = variance.reshape([-1]);
      // in place, one pass each (the running statistics keep their storage, so a
      // GPU's kept bind groups fit every step); the variance unbiased by n/(n−1)
      this.buffer("running_mean").scaleAddInPlace(1 - m, bm, m);
      this.buffer("running_var").scaleAddInPlace(1 - m, bv, m * n / Math.max(n - 1, 1));
      using count = this.buffer("num_batches_tracked").add(1);
      this.setBuffer("num_batches_tracked", count);
    });
  }
}

/** Batch normalisation of `[N, C]`. */
export class BatchNorm1d extends BatchNorm {
  constructor(features: number, options: LayerOptions & { eps?: number; momentum?: number } = {}) {
    super(features, 2, options);
  }
}

/** Batch normalisation of `[N, C, H, W]` per channel. */
export class BatchNorm2d extends BatchNorm {
  constructor(features: number, options: LayerOptions & { eps?: number; momentum?: number } = {}) {
    super(features, 4, options);
  }
}

/** Max-pooling. */
export class MaxPool2d extends Module {
  constructor(
    readonly kernel: Pair,
    readonly options: { stride?: Pair; padding?: Pair; ceilMode?: boolean } = {},
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernel, this.options);
  }
}

/** Average-pooling. */
export class AvgPool2d extends Module {
  constructor(
    readonly kernel: Pair,
    readonly options: {
      stride?: Pair;
      padding?: Pair;
      ceilMode?: boolean;
      countIncludePad?: boolean;
    } = {},
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernel, this.options);
  }
}

/** Adaptive average pooling to a fixed size. */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: Pair) {
    super();
  }
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
}

/** max(x, 0). */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return x.relu();
  }
}

/** σ(x). */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return x.sigmoid();
  }
}

/** Inverted dropout while training; the identity in eval mode. */
export class Dropout extends Module {
  readonly #generator?: Generator;
  constructor(readonly p = 0.5, options: { generator?: Generator } = {}) {
    super();
    this.#generator = options.generator;
  }
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, { training: this.training, generator: this.#generator });
  }
}

/** Flatten all axes from `start` (default 1: keep the batch axis). */
export class Flatten extends Module {
  constructor(readonly start = 1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.flatten(this.start);
  }
}

/** Modules applied in order, named `0`, `1`, … as in PyTorch. */
export class Sequential extends Module {
  readonly layers: Module[];
  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
    layers.forEach((m, i) => this.registerModule(String(i), m));
  }
  forward(x: Tensor): Tensor {
    let h = x;
    for (const layer of this.layers) {
      const next = layer.forward(h);
      // the graph keeps what backward needs; our handle on an intermediate can go
      if (h !== x) h.dispose();
      h = next;
    }
    return h === x ? x.reshape(x.shape) : h;
  }
}
