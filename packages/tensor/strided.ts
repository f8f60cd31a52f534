/**
 * Axis coalescing for strided kernels on every backend: merge adjacent axes
 * that every operand walks contiguously and drop axes of extent 1, so most
 * broadcasts and copies become one or two loops (or a short index decode on
 * the GPU).
 *
 * @module
 */

import type { Shape } from "./shape.ts";

/** A shape and one stride list per operand, with mergeable axes merged. */
export interface Coalesced {
  /** Extents of the remaining axes (at least one). */
  shape: number[];
  /** Per operand, its stride along each remaining axis. */
  strides: number[][];
}

/**
 * Coalesce axes of `shape` given each operand's strides.
 *
 * @param shape The iteration shape.
 * @param strides One stride list per operand, each as long as `shape`.
 * @returns The merged shape and strides.
 */
export function coalesce(shape: Shape, strides: readonly (readonly number[])[]): Coalesced {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    const mergeable = last >= 0 &&
      strides.every((s, k) => outStrides[k][last] === s[d] * shape[d]);
    if (mergeable) {
      outShape[last] *= shape[d];
      strides.forEach((s, k) => (outStrides[k][last] = s[d]));
    } else {
      outShape.push(shape[d]);
      strides.forEach((s, k) => outStrides[k].push(s[d]));
    }
  }
  if (outShape.length === 0) {
    outShape.push(1);
    outStrides.forEach((s) => s.push(0));
  }
  return { shape: outShape, strides: outStrides };
}
