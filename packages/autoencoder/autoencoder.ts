/**
 * The homework's autoencoder (Q5) on the hand-written layer API:
 * 1024 → 32 (ReLU) → 32 (ReLU) → 32 (ReLU) → 1024 (sigmoid), trained on
 * the total squared error between output and input with momentum SGD.
 *
 * @module
 */

import {
  backwards,
  forward,
  initializeWeights,
  type InitOptions,
  Params,
  RELU,
  SIGMOID,
} from "@recognize/nn";
import { momentumUpdate } from "@recognize/optim";
import {
  type Backend,
  type DType,
  type Generator,
  indexSelect,
  noGrad,
  type Tensor,
  tensor,
} from "@recognize/tensor";

/** Layer names and sizes: the homework's network. */
export const LAYERS: readonly { name: string; out: number; activation: "relu" | "sigmoid" }[] = [
  { name: "layer1", out: 32, activation: "relu" },
  { name: "hidden", out: 32, activation: "relu" },
  { name: "hidden2", out: 32, activation: "relu" },
  { name: "output", out: 1024, activation: "sigmoid" },
];

/** Options of {@link Autoencoder.create}. */
export interface AutoencoderOptions extends InitOptions {
  /** Input size (default 1024). */
  inputSize?: number;
  /** Width of the three hidden layers (default 32). */
  hidden?: number;
}

/**
 * A hand-written autoencoder.
 *
 * @example
 * ```ts
 * import { Autoencoder } from "@recognize/autoencoder";
 * import { Generator, randUniform } from "@recognize/tensor";
 * const ae = Autoencoder.create({ inputSize: 16, hidden: 4, generator: new Generator(1) });
 * const x = randUniform([2, 16]);
 * console.assert(ae.reconstruct(x).shape.join() === "2,16");
 * ```
 */
export class Autoencoder {
  /** Weights, biases, gradients and momentum accumulators, under the homework's names. */
  readonly params: Params;
  /** Input (and output) size. */
  readonly inputSize: number;
  /** Hidden width. */
  readonly hidden: number;

  constructor(params: Params, inputSize: number, hidden: number) {
    this.params = params;
    this.inputSize = inputSize;
    this.hidden = hidden;
  }

  /** Sizes of each layer's input and output. */
  #sizes(): [string, number, number, typeof LAYERS[number]["activation"]][] {
    let inSize = this.inputSize;
    return LAYERS.map((l) => {
      const out = l.name === "output" ? this.inputSize : this.hidden;
      const row: [string, number, number, typeof l.activation] = [
        l.name,
        inSize,
        out,
        l.activation,
      ];
      inSize = out;
      return row;
    });
  }

  /**
   * A new autoencoder with Xavier weights.
   *
   * @param o Sizes, generator, device, dtype.
   * @returns The network.
   */
  static create(o: AutoencoderOptions = {}): Autoencoder {
    const ae = new Autoencoder(new Params(), o.inputSize ?? 1024, o.hidden ?? 32);
    for (const [name, i, out] of ae.#sizes()) initializeWeights(i, out, ae.params, name, o);
    return ae;
  }

  /** Reconstructions of `x` `[N, in]` (no caches kept). */
  reconstruct(x: Tensor): Tensor {
    return noGrad(() => {
      let h = x.reshape([x.shape[0], -1]);
      for (const [name, , , act] of this.#sizes()) {
        using xw = h.matmul(this.params.get(`W${name}`));
        using pre = xw.add(this.params.get(`b${name}`));
        const next = act === "relu" ? pre.relu() : pre.sigmoid();
        h.dispose();
        h = next;
      }
      return h;
    });
  }

  /**
   * Forward with caches, backward from the squared error, and store the gradients.
   *
   * @param x `[B, in]`.
   * @returns The batch's total squared error as a device scalar (the caller owns it).
   */
  lossAndGradients(x: Tensor): Tensor {
    const outputs: Tensor[] = [];
    let h = x;
    for (const [name, , , act] of this.#sizes()) {
      h = forward(h, this.params, name, act === "relu" ? RELU : SIGMOID);
      outputs.push(h);
    }
    // the loss Σ(x̂ − x)² and its gradient ∂/∂x̂ = 2(x̂ − x), from one difference
    using d = noGrad(() => h.sub(x));
    const loss = noGrad(() => {
      using sq = d.mul(d);
      return sq.sum();
    });
    let delta = noGrad(() => d.mul(2));
    const layers = this.#sizes();
    for (let i = layers.length - 1; i >= 0; i--) {
      const [name, , , act] = layers[i];
      const next = backwards(delta, this.params, name, act === "relu" ? RELU : SIGMOID, {
        inputGrad: i > 0,
      });
      delta.dispose();
      if (i === 0) break;
      delta = next;
    }
    for (const o of outputs) o.dispose();
    return loss;
  }

  /**
   * One epoch of momentum SGD over shuffled batches.
   *
   * @param x `[N, in]` training data.
   * @param o Batch size, learning rate, momentum, generator, per-batch callback.
   * @returns Total squared error summed over the epoch's batches.
   */
  async trainEpoch(
    x: Tensor,
    o: {
      batchSize: number;
      learningRate: number;
      momentum: number;
      generator: Generator;
      onBatch?: () => void;
    },
  ): Promise<number> {
    const n = x.shape[0];
    const order = o.generator.permutation(n);
    let total: Tensor | null = null;
    for (let s = 0; s < n; s += o.batchSize) {
      using idx = tensor(Float32Array.from(order.subarray(s, s + o.batchSize)), {
        device: x.backend,
        dtype: x.dtype,
      });
      using xb = noGrad(() => indexSelect(x, 0, idx));
      const loss = this.lossAndGradients(xb);
      momentumUpdate(this.params, o.learningRate, o.momentum);
      // summed on the device, in place (on a GPU its bind groups then fit every step)
      if (total) {
        noGrad(() => total!.addScaledInPlace(loss, 1));
        loss.dispose();
      } else total = loss;
      o.onBatch?.();
    }
    const value = total ? await total.item() : 0;
    total?.dispose();
    return value;
  }

  /**
   * Save the weights and biases (not gradients or accumulators) as safetensors.
   *
   * @param path The file.
   * @param extra More metadata.
   */
  async save(path: string, extra: Record<string, string> = {}): Promise<void> {
    await this.params.save(path, {
      format: "recognize-autoencoder",
      input: String(this.inputSize),
      hidden: String(this.hidden),
      ...extra,
    });
  }

  /**
   * Load an autoencoder saved by {@link Autoencoder.save}.
   *
   * @param path The file.
   * @param options Device and dtype.
   * @returns The network and the file's metadata.
   */
  static async load(
    path: string,
    options: { device?: Backend; dtype?: DType } = {},
  ): Promise<{ autoencoder: Autoencoder; metadata: Record<string, string> }> {
    const { params, metadata } = await Params.load(path, options);
    if (metadata.format !== "recognize-autoencoder") {
      params.dispose();
      throw new TypeError(
        `${path} is not an autoencoder saved by recognize (format "${metadata.format ?? "none"}")`,
      );
    }
    const ae = new Autoencoder(params, Number(metadata.input), Number(metadata.hidden));
    for (const [name, i, out] of ae.#sizes()) {
      const w = params.get(`W${name}`);
      if (w.shape[0] !== i || w.shape[1] !== out) {
        throw new TypeError(`${path}: W${name} has shape ${w.shape}`);
      }
    }
    return { autoencoder: ae, metadata };
  }
}
