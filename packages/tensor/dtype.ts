/**
 * Element types a tensor can hold.
 *
 * `float32` is the working type everywhere; `float64` exists on the CPU so that
 * numerical gradient checks have the precision they need.
 *
 * @module
 */

/** The element type of a tensor. */
export type DType = "float32" | "float64";

/** A typed array holding the elements of a tensor of either dtype. */
export type TypedArray = Float32Array | Float64Array;

/**
 * Allocate a zero-filled typed array for `dtype`.
 *
 * @param dtype The element type.
 * @param size Number of elements.
 * @returns A new zero-filled array.
 * @example
 * ```ts
 * import { allocArray } from "@recognize/tensor";
 * console.assert(allocArray("float64", 3) instanceof Float64Array);
 * ```
 */
export function allocArray(dtype: DType, size: number): TypedArray {
  return dtype === "float64" ? new Float64Array(size) : new Float32Array(size);
}

/**
 * The dtype of a typed array.
 *
 * @param array A Float32Array or Float64Array.
 * @returns Its dtype.
 */
export function dtypeOf(array: TypedArray): DType {
  return array instanceof Float64Array ? "float64" : "float32";
}

/** Bytes per element of `dtype`. */
export function bytesPerElement(dtype: DType): number {
  return dtype === "float64" ? 8 : 4;
}

/**
 * Check that `value` names a supported dtype.
 *
 * @param value The candidate.
 * @returns The dtype.
 * @throws {TypeError} When the value is not a supported dtype.
 */
export function checkDType(value: unknown): DType {
  if (value === "float32" || value === "float64") return value;
  throw new TypeError(`Cannot use dtype ${JSON.stringify(value)}: expected "float32" or "float64"`);
}
