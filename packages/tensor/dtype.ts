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
 * Allocate a zero-filled typed array for `dtype` whose memory the system maps
 * for it alone (a resizable `ArrayBuffer`, which V8 reserves page by page)
 * instead of taking it from the C allocator, so that freeing it returns the
 * memory at once. For data of megabytes freed while the program goes on
 * (decoded datasets, uploaded copies): glibc, once it has freed a block of
 * tens of megabytes, serves later blocks up to that size from its heap, and
 * its heap keeps what is freed in the middle (30 MB of q3's peak).
 *
 * @param dtype The element type.
 * @param size Number of elements.
 * @returns A new zero-filled array of exactly `size` elements.
 * @example
 * ```ts
 * import { allocLargeArray } from "@recognize/tensor";
 * const a = allocLargeArray("float32", 1 << 20);
 * console.assert(a.length === 1 << 20 && a[0] === 0);
 * ```
 */
export function allocLargeArray(dtype: DType, size: number): TypedArray {
  const bytes = size * (dtype === "float64" ? 8 : 4);
  const buffer = new ArrayBuffer(bytes, { maxByteLength: bytes });
  return dtype === "float64"
    ? new Float64Array(buffer, 0, size)
    : new Float32Array(buffer, 0, size);
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
