/**
 * Creating tensors: from data, constants, ranges and seeded random draws.
 *
 * @module
 */

import type { Backend, DeviceName } from "./backend.ts";
import { allocArray, checkDType, type DType, dtypeOf, type TypedArray } from "./dtype.ts";
import { resolveDevice } from "./device.ts";
import { defaultGenerator, type Generator } from "./random.ts";
import { checkShape, formatShape, type Shape, sizeOf } from "./shape.ts";
import { type NestedArray, Tensor } from "./tensor.ts";

/** Where and how a new tensor is made. */
export interface TensorOptions {
  /** Shape; required for flat data, else inferred from nested arrays. */
  shape?: Shape;
  /** Element type (default float32, or the typed array's own type). */
  dtype?: DType;
  /** Device (default: the current default device). */
  device?: Backend | DeviceName;
  /** Make the result a leaf that requires gradients. */
  requiresGrad?: boolean;
}

/** Options of {@link tensor}. */
export interface TensorDataOptions extends TensorOptions {
  /**
   * Take the typed array over: once its values are on the device its memory
   * is freed at once, rather than whenever the garbage collector gets to it
   * (for a dataset, tens of megabytes held through the work that follows).
   * The array must own its whole buffer, and is empty afterwards.
   */
  adopt?: boolean;
}

function flattenNested(data: NestedArray, shape: number[], out: number[], depth: number): void {
  if (typeof data === "number") {
    if (depth !== shape.length) {
      throw new TypeError("Cannot make a tensor from ragged nested arrays");
    }
    out.push(data);
    return;
  }
  if (!Array.isArray(data)) {
    throw new TypeError(`Cannot make a tensor from ${typeof data}: expected numbers or arrays`);
  }
  if (depth === shape.length) shape.push(data.length);
  else if (shape[depth] !== data.length) {
    throw new TypeError("Cannot make a tensor from ragged nested arrays");
  }
  for (const item of data) flattenNested(item, shape, out, depth + 1);
}

function finish(values: TypedArray, shape: number[], options: TensorOptions): Tensor {
  const backend = resolveDevice(options.device);
  const dtype = dtypeOf(values);
  if (dtype === "float64" && !backend.supportsFloat64) {
    throw new TypeError(
      `Cannot create a float64 tensor on ${backend.name}: it supports float32 only`,
    );
  }
  const t = new Tensor(backend.upload(values), shape, dtype, backend);
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

/**
 * A tensor from nested arrays, a flat array or a typed array.
 *
 * @param data The values.
 * @param options Shape (for flat data), dtype, device, requiresGrad.
 * @returns The tensor.
 * @example
 * ```ts
 * import { tensor } from "@recognize/tensor";
 * const t = tensor([1, 2, 3, 4, 5, 6], { shape: [2, 3] });
 * console.assert(t.shape.join() === "2,3");
 * ```
 */
export function tensor(data: NestedArray | TypedArray, options: TensorDataOptions = {}): Tensor {
  let flat: number[] | TypedArray;
  let shape: number[];
  if (ArrayBuffer.isView(data)) {
    flat = data;
    shape = options.shape ? checkShape("create a tensor", options.shape) : [data.length];
  } else {
    const inferred: number[] = [];
    const out: number[] = [];
    flattenNested(data, inferred, out, 0);
    flat = out;
    shape = options.shape ? checkShape("create a tensor", options.shape) : inferred;
  }
  if (sizeOf(shape) !== flat.length) {
    throw new TypeError(
      `Cannot make a tensor of shape ${formatShape(shape)} from ${flat.length} values`,
    );
  }
  const dtype = options.dtype ?? (flat instanceof Float64Array ? "float64" : "float32");
  checkDType(dtype);
  let buffer: ArrayBuffer | null = null;
  if (options.adopt) {
    if (
      !ArrayBuffer.isView(flat) || !(flat.buffer instanceof ArrayBuffer) || flat.byteOffset !== 0 ||
      flat.byteLength !== flat.buffer.byteLength
    ) {
      throw new TypeError(
        "Cannot adopt data that is not a typed array owning its whole (non-shared) buffer",
      );
    }
    buffer = flat.buffer;
  }
  let t: Tensor;
  if (flat instanceof (dtype === "float64" ? Float64Array : Float32Array)) {
    // every backend's upload copies: a dataset is not copied twice
    t = finish(flat as TypedArray, shape, options);
  } else {
    const values = allocArray(dtype, flat.length);
    values.set(flat);
    t = finish(values, shape, options);
  }
  buffer?.transfer(0); // detaching drops the only reference to the memory: freed now
  return t;
}

/**
 * A tensor filled with `value`.
 *
 * @param shape The shape.
 * @param value The fill value.
 * @param options dtype, device, requiresGrad.
 * @returns The tensor.
 */
export function full(
  shape: Shape,
  value: number,
  options: Omit<TensorOptions, "shape"> = {},
): Tensor {
  const s = checkShape("create a tensor", shape);
  const backend = resolveDevice(options.device);
  const dtype = checkDType(options.dtype ?? "float32");
  if (dtype === "float64" && !backend.supportsFloat64) {
    throw new TypeError(
      `Cannot create a float64 tensor on ${backend.name}: it supports float32 only`,
    );
  }
  const t = new Tensor(backend.full(sizeOf(s), dtype, value), s, dtype, backend);
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

/** A tensor of zeros. */
export function zeros(shape: Shape, options: Omit<TensorOptions, "shape"> = {}): Tensor {
  return full(shape, 0, options);
}

/** A tensor of ones. */
export function ones(shape: Shape, options: Omit<TensorOptions, "shape"> = {}): Tensor {
  return full(shape, 1, options);
}

/**
 * `0, 1, …, n-1` (or `start, start+step, …` below `stop`).
 *
 * @param stop The exclusive end (or the start when `end` is given).
 * @param options dtype, device; `start`/`step` for other ranges.
 * @returns A 1-D tensor.
 */
export function arange(
  stop: number,
  options: Omit<TensorOptions, "shape"> & { start?: number; step?: number } = {},
): Tensor {
  const start = options.start ?? 0, step = options.step ?? 1;
  if (step === 0) throw new RangeError("Cannot arange with step 0");
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const values = allocArray(options.dtype ?? "float32", n);
  for (let i = 0; i < n; i++) values[i] = start + i * step;
  return finish(values, [n], options);
}

/** Options of the random constructors. */
export interface RandomOptions extends Omit<TensorOptions, "shape"> {
  /** The generator to draw from (default: the global one, see `manualSeed`). */
  generator?: Generator;
}

/**
 * Uniform draws in `[low, high)`, made on the CPU from a seeded generator so
 * every device gets the same numbers.
 *
 * @param shape The shape.
 * @param low Lower bound.
 * @param high Upper bound.
 * @param options dtype, device, generator, requiresGrad.
 * @returns The tensor.
 */
export function randUniform(shape: Shape, low = 0, high = 1, options: RandomOptions = {}): Tensor {
  const s = checkShape("randUniform", shape);
  const values = allocArray(options.dtype ?? "float32", sizeOf(s));
  (options.generator ?? defaultGenerator()).fillUniform(values, low, high);
  return finish(values, s, options);
}

/**
 * Normal draws, seeded as {@link randUniform}.
 *
 * @param shape The shape.
 * @param mean The mean.
 * @param std The standard deviation.
 * @param options dtype, device, generator, requiresGrad.
 * @returns The tensor.
 */
export function randNormal(shape: Shape, mean = 0, std = 1, options: RandomOptions = {}): Tensor {
  const s = checkShape("randNormal", shape);
  const values = allocArray(options.dtype ?? "float32", sizeOf(s));
  (options.generator ?? defaultGenerator()).fillNormal(values, mean, std);
  return finish(values, s, options);
}

/**
 * A random permutation of `0 … n-1` as a float tensor (usable as indices).
 *
 * @param n The length.
 * @param options dtype, device, generator.
 * @returns A 1-D tensor.
 */
export function randPermutation(n: number, options: RandomOptions = {}): Tensor {
  const p = (options.generator ?? defaultGenerator()).permutation(n);
  const values = allocArray(options.dtype ?? "float32", n);
  values.set(p);
  return finish(values, [n], options);
}
