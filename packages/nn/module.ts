/**
 * `Module`, the PyTorch-style building block on autograd: parameters and
 * sub-modules registered by name (a module is built on its device: pass
 * `device` to the layers; loading a state dict copies onto that device) (so state dicts carry PyTorch's names,
 * `features.3.squeeze.weight`), buffers such as batch-norm statistics,
 * train/eval modes, and a state dict that round-trips through safetensors.
 *
 * @module
 */

import { loadSafetensors, saveSafetensors } from "@recognize/io";
import { noGrad, Tensor, tensor } from "@recognize/tensor";

/** A PyTorch-style module. */
export abstract class Module {
  /** Training mode (dropout active, batch-norm on batch statistics). */
  training = true;
  readonly #params = new Map<string, Tensor>();
  readonly #buffers = new Map<string, Tensor>();
  readonly #children = new Map<string, Module>();

  /** The module's computation. */
  abstract forward(x: Tensor): Tensor;

  /** Register a trainable parameter (a leaf that requires gradients). */
  protected registerParameter(name: string, t: Tensor): Tensor {
    t.requiresGrad = true;
    this.#params.set(name, t);
    return t;
  }

  /** Register a non-trainable tensor that belongs in the state dict. */
  protected registerBuffer(name: string, t: Tensor): Tensor {
    this.#buffers.set(name, t);
    return t;
  }

  /** Replace a buffer's value (batch-norm running statistics). */
  protected setBuffer(name: string, t: Tensor): void {
    const old = this.#buffers.get(name);
    if (!old) throw new RangeError(`No buffer "${name}"`);
    old.assign(t);
  }

  /** A registered buffer. */
  protected buffer(name: string): Tensor {
    const b = this.#buffers.get(name);
    if (!b) throw new RangeError(`No buffer "${name}"`);
    return b;
  }

  /** Register a sub-module. */
  protected registerModule<M extends Module>(name: string, m: M): M {
    this.#children.set(name, m);
    return m;
  }

  /** Sub-modules by name. */
  children(): [string, Module][] {
    return [...this.#children];
  }

  /** Every parameter with its dotted name. */
  namedParameters(prefix = ""): [string, Tensor][] {
    const out: [string, Tensor][] = [...this.#params].map(([k, v]) => [prefix + k, v]);
    for (const [name, child] of this.#children) {
      out.push(...child.namedParameters(`${prefix}${name}.`));
    }
    return out;
  }

  /** Every parameter. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Every buffer with its dotted name. */
  namedBuffers(prefix = ""): [string, Tensor][] {
    const out: [string, Tensor][] = [...this.#buffers].map(([k, v]) => [prefix + k, v]);
    for (const [name, child] of this.#children) {
      out.push(...child.namedBuffers(`${prefix}${name}.`));
    }
    return out;
  }

  /** Parameters and buffers by name (shared handles, not copies). */
  stateDict(): Map<string, Tensor> {
    return new Map([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copy values into parameters and buffers by name.
   *
   * @param state Tensors (or plain arrays) by name.
   * @param options `strict` (default true): every name must match both ways.
   * @returns Names present in the module but not in `state`, and the other way round.
   */
  loadStateDict(
    state: Map<string, Tensor | { shape: number[]; data: ArrayLike<number> }>,
    options: { strict?: boolean } = {},
  ): { missing: string[]; unexpected: string[] } {
    const own = this.stateDict();
    const missing = [...own.keys()].filter((k) => !state.has(k));
    const unexpected = [...state.keys()].filter((k) => !own.has(k));
    if ((options.strict ?? true) && (missing.length || unexpected.length)) {
      throw new TypeError(
        `State dict does not match the module: missing ${
          missing.join(", ") || "none"
        }; unexpected ${unexpected.join(", ") || "none"}`,
      );
    }
    noGrad(() => {
      for (const [name, target] of own) {
        const src = state.get(name);
        if (!src) continue;
        if (src.shape.join() !== target.shape.join()) {
          throw new TypeError(
            `"${name}" has shape ${src.shape} in the state dict, ${target.shape} in the module`,
          );
        }
        const values = src instanceof Tensor
          ? src.dataSync()
          : Float32Array.from(src.data as ArrayLike<number>);
        using t = tensor(values, {
          shape: target.shape,
          device: target.backend,
          dtype: target.dtype,
        });
        target.assign(t);
      }
    });
    return { missing, unexpected };
  }

  /** Set training mode here and below. */
  train(mode = true): this {
    this.training = mode;
    for (const [, c] of this.#children) c.train(mode);
    return this;
  }

  /** Set evaluation mode here and below. */
  eval(): this {
    return this.train(false);
  }

  /** Drop every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /** Number of trainable scalars. */
  parameterCount(): number {
    return this.parameters().reduce((s, p) => s + p.size, 0);
  }

  /**
   * Save the state dict as safetensors with PyTorch's names.
   *
   * @param path The file.
   * @param metadata Architecture and other strings.
   */
  async save(path: string, metadata: Record<string, string> = {}): Promise<void> {
    const entries: Record<string, { shape: number[]; data: Float32Array | Float64Array }> = {};
    for (const [name, t] of this.stateDict()) {
      entries[name] = { shape: [...t.shape], data: await t.data() };
    }
    await saveSafetensors(path, entries, metadata);
  }

  /**
   * Load a state dict from safetensors (names as PyTorch writes them).
   *
   * @param path The file.
   * @param options `strict` name matching (default true).
   * @returns The file's metadata.
   */
  async load(path: string, options: { strict?: boolean } = {}): Promise<Record<string, string>> {
    const file = await loadSafetensors(path);
    const state = new Map<string, { shape: number[]; data: ArrayLike<number> }>();
    for (const [k, t] of file.tensors) {
      if (t.dtype === "I64" || t.dtype === "U64") {
        // e.g. num_batches_tracked
        state.set(k, { shape: t.shape, data: Array.from(t.data as BigInt64Array, Number) });
      } else state.set(k, { shape: t.shape, data: t.data as ArrayLike<number> });
    }
    this.loadStateDict(state, options);
    return file.metadata;
  }
}
