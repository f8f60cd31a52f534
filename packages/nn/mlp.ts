/**
 * The homework's fully connected classifier as one object: hidden layers
 * `layer1 … layerK` with an activation, an `output` softmax layer, trained by
 * hand-written backpropagation and plain SGD on summed cross-entropy.
 *
 * A training step reads nothing back from the device: the summed loss and
 * the count of correct predictions accumulate as device tensors and are read
 * once per epoch.
 *
 * @module
 */

import {
  type Backend,
  defaultGenerator,
  type DType,
  type Generator,
  indexSelect,
  noGrad,
  oneHot,
  type Tensor,
  tensor,
} from "@recognize/tensor";
import { type Activation, LINEAR, RELU, SIGMOID, SOFTMAX } from "./activations.ts";
import { affine, backwards, forward, initializeWeights } from "./layer.ts";
import { lossAndHits } from "./loss.ts";
import { accumulate, readClasses, readSums } from "./_device_results.ts";
import { Params } from "./params.ts";

const ACTIVATIONS: Record<string, Activation> = { sigmoid: SIGMOID, relu: RELU };

/** Options of {@link Mlp.create}. */
export interface MlpOptions {
  /** Layer sizes, input first: `[1024, 64, 36]` is the homework's network. */
  sizes: readonly number[];
  /** Hidden activation (default sigmoid). */
  activation?: "sigmoid" | "relu";
  /** Class names, stored with the model. */
  classes?: readonly string[];
  /** Random source for Xavier initialisation. */
  generator?: Generator;
  /** Device. */
  device?: Backend;
  /** Element type. */
  dtype?: DType;
}

/** Per-epoch figures. */
export interface EpochStats {
  /** 1-based epoch. */
  epoch: number;
  /** Mean cross-entropy per training sample. */
  trainLoss: number;
  /** Training accuracy (over the epoch's batches, while learning). */
  trainAcc: number;
  /** Mean cross-entropy per validation sample. */
  validLoss: number;
  /** Validation accuracy. */
  validAcc: number;
  /** Seconds spent training this epoch (evaluation excluded). */
  seconds: number;
}

/**
 * A hand-written multilayer perceptron.
 *
 * @example
 * ```ts
 * import { Mlp } from "@recognize/nn";
 * import { Generator, tensor } from "@recognize/tensor";
 * const mlp = Mlp.create({ sizes: [4, 8, 3], generator: new Generator(1) });
 * const probs = mlp.predict(tensor([[1, 0, 0, 1]]));
 * console.assert(probs.shape.join() === "1,3");
 * ```
 */
export class Mlp {
  /** The parameters, under the homework's names. */
  readonly params: Params;
  /** Layer sizes, input first. */
  readonly sizes: readonly number[];
  /** Hidden activation. */
  readonly activation: Activation;
  /** Class names. */
  readonly classes: readonly string[];

  constructor(
    params: Params,
    sizes: readonly number[],
    activation: Activation,
    classes: readonly string[],
  ) {
    this.params = params;
    this.sizes = sizes;
    this.activation = activation;
    this.classes = classes;
  }

  /** Layer names: `layer1 … layerK`, then `output`. */
  get layers(): string[] {
    return this.sizes.slice(1).map((
      _,
      i,
    ) => (i === this.sizes.length - 2 ? "output" : `layer${i + 1}`));
  }

  /**
   * A new network with Xavier weights.
   *
   * @param o Sizes, activation, classes, generator, device, dtype.
   * @returns The network.
   */
  static create(o: MlpOptions): Mlp {
    if (o.sizes.length < 2) throw new RangeError("An MLP needs an input and an output size");
    const params = new Params();
    const activation = ACTIVATIONS[o.activation ?? "sigmoid"];
    const mlp = new Mlp(
      params,
      [...o.sizes],
      activation,
      o.classes ?? o.sizes.slice(-1).map((n) => Array.from({ length: n }, (_, i) => String(i)))[0],
    );
    mlp.layers.forEach((name, i) => initializeWeights(o.sizes[i], o.sizes[i + 1], params, name, o));
    return mlp;
  }

  /** Class probabilities of `x` `[N, in]` (no cache kept). */
  predict(x: Tensor): Tensor {
    return noGrad(() => {
      let h = x.reshape([x.shape[0], -1]);
      this.layers.forEach((name, i) => {
        const last = i === this.layers.length - 1;
        using pre = affine(h, this.params.get(`W${name}`), this.params.get(`b${name}`));
        const next = (last ? SOFTMAX : this.activation).forward(pre);
        h.dispose();
        h = next;
      });
      return h;
    });
  }

  /**
   * One SGD step on a batch: forward with caches, then backward, each
   * layer's weights updated in place as its gradient is known (no
   * `grad_*` entries are stored; `backwards` without a learning rate gives them).
   *
   * @param x `[B, in]` inputs.
   * @param y `[B, C]` one-hot labels.
   * @param learningRate α (the gradient is of the loss summed over the batch).
   * @param labels `y`'s class indices `[B]`, where the caller has them (the
   *   loss then need not find each row's 1).
   * @returns The batch's summed loss and number correct, `[loss, correct]` on the device (the caller owns it).
   */
  trainStep(x: Tensor, y: Tensor, learningRate: number, labels?: Tensor): Tensor {
    const layers = this.layers;
    let h = x;
    const outputs: Tensor[] = [];
    layers.forEach((name, i) => {
      h = forward(h, this.params, name, i === layers.length - 1 ? SOFTMAX : this.activation);
      outputs.push(h);
    });
    const probs = h;
    const result = lossAndHits(labels ?? y, probs);
    let delta = noGrad(() => probs.sub(y));
    for (let i = layers.length - 1; i >= 0; i--) {
      // the first layer's input is the data: its gradient would be a wasted product
      const next = backwards(
        delta,
        this.params,
        layers[i],
        i === layers.length - 1 ? LINEAR : this.activation,
        { inputGrad: i > 0, learningRate },
      );
      delta.dispose();
      delta = next;
    }
    for (const o of outputs) o.dispose();
    return result;
  }

  /**
   * Summed loss and accuracy over a dataset, in chunks.
   *
   * @param x `[N, in]`.
   * @param labels `[N]` class indices.
   * @param chunk Rows per forward pass (512: the products stay efficient, and the
   *   CPU's kernel memory, which never shrinks, grows by 2 MB of inputs rather than 8).
   * @returns Mean loss per sample, accuracy, and the predicted classes.
   */
  async evaluate(
    x: Tensor,
    labels: Tensor,
    chunk = 512,
  ): Promise<{ loss: number; acc: number; predicted: Int32Array }> {
    const n = x.shape[0];
    // sums and predicted classes stay on the device until the end: two reads in all
    let sums: Tensor | null = null;
    const classes: Tensor[] = [];
    try {
      for (let s = 0; s < n; s += chunk) {
        const e = Math.min(n, s + chunk);
        using xb = x.slice([s], [e]);
        using lb = labels.slice([s], [e]);
        using probs = this.predict(xb);
        sums = accumulate(sums, lossAndHits(lb, probs));
        classes.push(probs.argmax(1));
      }
      const [loss, correct] = await readSums(sums, 2);
      sums = null;
      return { loss: loss / n, acc: correct / n, predicted: await readClasses(classes) };
    } finally {
      sums?.dispose();
      for (const c of classes) c.dispose();
    }
  }

  /**
   * Train with shuffled mini-batches (reshuffled every epoch).
   *
   * @param train Inputs `[N, in]` and labels `[N]`.
   * @param valid Inputs and labels evaluated after every epoch.
   * @param o Epochs, batch size, learning rate, generator, and a callback per batch and per epoch.
   * @returns The history.
   */
  async fit(
    train: { x: Tensor; labels: Tensor },
    valid: { x: Tensor; labels: Tensor },
    o: {
      epochs: number;
      batchSize: number;
      learningRate: number;
      generator?: Generator;
      onBatch?: (epoch: number, batch: number, batches: number) => void;
      onEpoch?: (s: EpochStats) => void;
    },
  ): Promise<EpochStats[]> {
    const g = o.generator ?? defaultGenerator();
    const n = train.x.shape[0];
    const history: EpochStats[] = [];
    const batches = Math.ceil(n / o.batchSize);
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      const start = performance.now();
      const order = g.permutation(n);
      // the batches' summed losses and hits, added on the device as they come
      let sums: Tensor | null = null;
      for (let b = 0; b < batches; b++) {
        using idx = tensor(
          Float32Array.from(order.subarray(b * o.batchSize, (b + 1) * o.batchSize)),
          {
            device: train.x.backend,
            dtype: train.x.dtype,
          },
        );
        using xb = noGrad(() => indexSelect(train.x, 0, idx));
        // the labels, and one-hot rows made from them (reading rows of an
        // [N, C] table instead costs a cache miss or two per row)
        using lb = noGrad(() => indexSelect(train.labels, 0, idx));
        using yb = noGrad(() => oneHot(lb, this.classes.length));
        sums = accumulate(sums, this.trainStep(xb, yb, o.learningRate, lb));
        o.onBatch?.(epoch, b + 1, batches);
      }
      // one read per epoch
      const [loss, correct] = await readSums(sums, 2);
      const seconds = (performance.now() - start) / 1000;
      const v = await this.evaluate(valid.x, valid.labels);
      const stats = {
        epoch,
        trainLoss: loss / n,
        trainAcc: correct / n,
        validLoss: v.loss,
        validAcc: v.acc,
        seconds,
      };
      history.push(stats);
      o.onEpoch?.(stats);
    }
    return history;
  }

  /**
   * Save as safetensors, with the architecture in the metadata.
   *
   * @param path The file.
   * @param extra More metadata.
   */
  async save(path: string, extra: Record<string, string> = {}): Promise<void> {
    await this.params.save(path, {
      format: "recognize-mlp",
      sizes: this.sizes.join(","),
      activation: this.activation.name,
      classes: JSON.stringify(this.classes),
      ...extra,
    });
  }

  /**
   * Load a network saved by {@link Mlp.save}.
   *
   * @param path The file.
   * @param options Device and dtype.
   * @returns The network and the file's metadata.
   */
  static async load(
    path: string,
    options: { device?: Backend; dtype?: DType } = {},
  ): Promise<{ mlp: Mlp; metadata: Record<string, string> }> {
    const { params, metadata } = await Params.load(path, options);
    if (metadata.format !== "recognize-mlp") {
      params.dispose();
      throw new TypeError(
        `${path} is not an MLP saved by recognize (format "${metadata.format ?? "none"}")`,
      );
    }
    const sizes = metadata.sizes.split(",").map(Number);
    const activation = ACTIVATIONS[metadata.activation];
    if (!activation) throw new TypeError(`${path}: unknown activation "${metadata.activation}"`);
    const mlp = new Mlp(params, sizes, activation, JSON.parse(metadata.classes));
    for (const [i, name] of mlp.layers.entries()) {
      const w = params.get(`W${name}`);
      if (w.shape[0] !== sizes[i] || w.shape[1] !== sizes[i + 1]) {
        throw new TypeError(
          `${path}: W${name} has shape ${w.shape}, expected ${sizes[i]},${sizes[i + 1]}`,
        );
      }
    }
    return { mlp, metadata };
  }
}
