/**
 * Shape arithmetic shared by every layer: sizes, strides, broadcasting and
 * axis normalisation. Errors name the operation and the shapes involved.
 *
 * @module
 */

/** A tensor shape: the extent of every axis, outermost first. */
export type Shape = readonly number[];

/**
 * Format a shape the way error messages show it: `(2, 3)`.
 *
 * @param shape The shape.
 * @returns The shape in parentheses.
 */
export function formatShape(shape: Shape): string {
  return `(${shape.join(", ")})`;
}

/**
 * Number of elements in a tensor of `shape`.
 *
 * @param shape The shape.
 * @returns The product of the extents (1 for a scalar).
 */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Row-major (C order) strides of a contiguous tensor of `shape`, in elements.
 *
 * @param shape The shape.
 * @returns One stride per axis.
 */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/**
 * Validate a shape given by a caller.
 *
 * @param op The operation, for the message.
 * @param shape The candidate shape.
 * @returns The shape as a fresh array.
 * @throws {TypeError} If an extent is not a non-negative integer.
 */
export function checkShape(op: string, shape: Shape): number[] {
  if (!Array.isArray(shape)) {
    throw new TypeError(`Cannot ${op}: shape must be an array of integers, got ${String(shape)}`);
  }
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new TypeError(`Cannot ${op}: shape ${formatShape(shape)} has an invalid extent ${d}`);
    }
  }
  return [...shape];
}

/**
 * NumPy broadcasting of two shapes.
 *
 * @param op The operation, for the message.
 * @param a First shape.
 * @param b Second shape.
 * @returns The broadcast shape.
 * @throws {TypeError} When an axis differs and neither extent is 1.
 * @example
 * ```ts
 * import { broadcastShapes } from "@recognize/tensor";
 * console.assert(broadcastShapes("add", [4, 1, 3], [2, 1]).join() === "4,2,3");
 * ```
 */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new TypeError(
        `Cannot ${op} shapes ${formatShape(a)} and ${formatShape(b)}: they do not broadcast`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides that read a tensor of `shape` as if it had the larger `outShape`:
 * broadcast axes get stride 0.
 *
 * @param shape The operand's shape (right-aligned against `outShape`).
 * @param outShape The broadcast shape.
 * @returns One stride per axis of `outShape`.
 */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const own = stridesOf(shape);
  const offset = outShape.length - shape.length;
  const strides = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < shape.length; i++) {
    strides[i + offset] = shape[i] === 1 ? 0 : own[i];
  }
  return strides;
}

/**
 * Normalise a possibly negative axis.
 *
 * @param op The operation, for the message.
 * @param axis The axis (negative counts from the end).
 * @param rank The tensor rank.
 * @returns The axis in `[0, rank)`.
 * @throws {RangeError} When the axis is out of range.
 */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new RangeError(
      `Cannot ${op} over axis ${axis}: a tensor of rank ${rank} has axes ${-rank} to ${rank - 1}`,
    );
  }
  return axis < 0 ? axis + rank : axis;
}

/** Whether two shapes are equal. */
export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
