/**
 * A fully connected classifier on the Module API: flatten, then linear
 * layers with an activation between them (the Q3 network is
 * `sizes: [1024, 64, 36], activation: "sigmoid"`).
 *
 * @module
 */

import type { Backend, Generator, Tensor } from "@recognize/tensor";
import { Flatten, Linear, ReLU, Sequential, Sigmoid } from "../layers.ts";
import { Module } from "../module.ts";

/** An FcNet's architecture. */
export interface FcNetConfig {
  /** Layer sizes, input first. */
  sizes: number[];
  /** Hidden activation. */
  activation: "sigmoid" | "relu";
}

/** A multilayer perceptron as a Module; parameters are `layers.N.weight`/`bias`. */
export class FcNet extends Module {
  readonly config: FcNetConfig;
  readonly layers: Sequential;

  constructor(config: FcNetConfig, options: { device?: Backend; generator?: Generator } = {}) {
    super();
    this.config = config;
    const mods: Module[] = [new Flatten()];
    config.sizes.slice(1).forEach((out, i) => {
      mods.push(new Linear(config.sizes[i], out, options));
      if (i < config.sizes.length - 2) {
        mods.push(config.activation === "relu" ? new ReLU() : new Sigmoid());
      }
    });
    this.layers = this.registerModule("layers", new Sequential(...mods));
  }

  forward(x: Tensor): Tensor {
    return this.layers.forward(x);
  }
}
