/**
 * The homework keeps everything a network needs in one dictionary: weights
 * `W<name>` and biases `b<name>`, the forward pass's cache `cache_<name>`,
 * the gradients `grad_W<name>` and `grad_b<name>`, and an optimizer's
 * accumulators. {@link Params} is that dictionary, holding tensors and
 * disposing what it replaces.
 *
 * @module
 */

import { loadSafetensors, saveSafetensors } from "@recognize/io";
import { type Backend, type DType, resolveDevice, type Tensor, tensor } from "@recognize/tensor";

/** What a layer's forward pass keeps for its backward pass. */
export interface LayerCache {
  /** The layer's input. */
  x: Tensor;
  /** The pre-activation `XW + b`. */
  pre: Tensor;
  /** The post-activation. */
  post: Tensor;
}

/**
 * Named tensors of a hand-written network.
 *
 * @example
 * ```ts
 * import { initializeWeights, Params } from "@recognize/nn";
 * const params = new Params();
 * initializeWeights(2, 25, params, "layer1");
 * console.assert(params.get("Wlayer1").shape.join() === "2,25");
 * ```
 */
export class Params {
  readonly #tensors = new Map<string, Tensor>();
  readonly #caches = new Map<string, LayerCache>();

  /** Whether a tensor named `key` exists. */
  has(key: string): boolean {
    return this.#tensors.has(key);
  }

  /**
   * The tensor named `key`.
   *
   * @throws {RangeError} Naming the key and the keys that exist.
   */
  get(key: string): Tensor {
    const t = this.#tensors.get(key);
    if (!t) {
      throw new RangeError(
        `No parameter "${key}" (have ${[...this.#tensors.keys()].join(", ") || "none"})`,
      );
    }
    return t;
  }

  /** Store `value` under `key`, disposing the tensor it replaces. */
  set(key: string, value: Tensor): void {
    const old = this.#tensors.get(key);
    if (old && old !== value) old.dispose();
    this.#tensors.set(key, value);
  }

  /** Keys in insertion order. */
  keys(): string[] {
    return [...this.#tensors.keys()];
  }

  /** The trainable parameters: keys starting with `W` or `b`. */
  parameterKeys(): string[] {
    return this.keys().filter((k) => k.startsWith("W") || k.startsWith("b"));
  }

  /** A layer's cache from its last forward pass. */
  cache(name: string): LayerCache {
    const c = this.#caches.get(name);
    if (!c) throw new RangeError(`Layer "${name}" has no cache: run forward() before backwards()`);
    return c;
  }

  /** Replace a layer's cache, disposing the old one. */
  setCache(name: string, cache: LayerCache): void {
    const old = this.#caches.get(name);
    if (old) { for (const t of [old.x, old.pre, old.post]) t.dispose(); }
    this.#caches.set(name, cache);
  }

  /** Dispose every tensor and cache. */
  dispose(): void {
    for (const t of this.#tensors.values()) t.dispose();
    for (const c of this.#caches.values()) for (const t of [c.x, c.pre, c.post]) t.dispose();
    this.#tensors.clear();
    this.#caches.clear();
  }

  /**
   * A deep copy (the homework's `copy.deepcopy(params)`), without caches.
   *
   * @returns The copy.
   */
  clone(): Params {
    const p = new Params();
    // copies, not shared handles: parameters may be updated in place
    for (const [k, v] of this.#tensors) p.set(k, v.clone());
    return p;
  }

  /**
   * Save the trainable parameters as safetensors.
   *
   * @param path The file.
   * @param metadata Strings stored alongside (e.g. the architecture).
   */
  async save(path: string, metadata: Record<string, string> = {}): Promise<void> {
    const entries: Record<string, { shape: number[]; data: Float32Array | Float64Array }> = {};
    for (const k of this.parameterKeys()) {
      const t = this.get(k);
      entries[k] = { shape: [...t.shape], data: await t.data() };
    }
    await saveSafetensors(path, entries, metadata);
  }

  /**
   * Load parameters saved by {@link Params.save}.
   *
   * @param path The file.
   * @param options Device and dtype of the tensors.
   * @returns The parameters and the file's metadata.
   */
  static async load(
    path: string,
    options: { device?: Backend; dtype?: DType } = {},
  ): Promise<{ params: Params; metadata: Record<string, string> }> {
    const file = await loadSafetensors(path);
    const params = new Params();
    const device = options.device ?? resolveDevice();
    for (const [k, t] of file.tensors) {
      if (t.dtype !== "F32" && t.dtype !== "F64") {
        throw new TypeError(`${path}: "${k}" is ${t.dtype}, not a float`);
      }
      params.set(
        k,
        tensor(t.data as Float32Array, {
          shape: t.shape,
          device,
          dtype: options.dtype ?? "float32",
        }),
      );
    }
    return { params, metadata: file.metadata };
  }
}
