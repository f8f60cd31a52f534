/**
 * Shape and data movement: reshape, permute, expand, slice, pad, concat.
 * Reshape shares storage; the rest copy through the backend's strided copy.
 *
 * @module
 */

import { record } from "./autograd.ts";
import {
  broadcastShapes,
  broadcastStrides,
  checkShape,
  formatShape,
  normalizeAxis,
  sameShape,
  type Shape,
  sizeOf,
  stridesOf,
} from "./shape.ts";
import type { Tensor } from "./tensor.ts";
import { checkCompatible, wrap } from "./_operand.ts";
import { sumTo } from "./reduce.ts";

/**
 * Same elements in another shape; one extent may be -1. Shares storage.
 *
 * @param x The input.
 * @param shape The new shape.
 * @returns The reshaped tensor.
 */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const target = [...shape];
  const free = target.indexOf(-1);
  if (free >= 0 && target.lastIndexOf(-1) !== free) {
    throw new TypeError(`Cannot reshape to ${formatShape(shape)}: at most one extent may be -1`);
  }
  if (free >= 0) {
    const rest = sizeOf(target.filter((_, i) => i !== free));
    if (rest === 0 || x.size % rest !== 0) {
      throw new TypeError(`Cannot reshape ${formatShape(x.shape)} to ${formatShape(shape)}`);
    }
    target[free] = x.size / rest;
  }
  checkShape("reshape", target);
  if (sizeOf(target) !== x.size) {
    throw new TypeError(
      `Cannot reshape ${formatShape(x.shape)} (${x.size} elements) to ${formatShape(target)}`,
    );
  }
  const from = x.shape;
  return record(x.shareAs(target), [x], "reshape", () => (g) => [g.reshape(from)]);
}

/** Merge axes `start … end` (inclusive) into one. */
export function flatten(x: Tensor, start = 0, end = -1): Tensor {
  if (x.rank === 0) return reshape(x, [1]);
  const s = normalizeAxis("flatten", start, x.rank), e = normalizeAxis("flatten", end, x.rank);
  if (s > e) throw new RangeError(`Cannot flatten axes ${start} to ${end}: start is after end`);
  const shape = [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

/** Drop axis `axis` of extent 1, or every such axis. */
export function squeeze(x: Tensor, axis?: number): Tensor {
  if (axis === undefined) return reshape(x, x.shape.filter((d) => d !== 1));
  const a = normalizeAxis("squeeze", axis, x.rank);
  if (x.shape[a] !== 1) {
    throw new RangeError(
      `Cannot squeeze axis ${axis} of ${formatShape(x.shape)}: its extent is not 1`,
    );
  }
  return reshape(x, x.shape.filter((_, i) => i !== a));
}

/** Insert an axis of extent 1 before position `axis` (may equal the rank). */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis("unsqueeze", axis, x.rank + 1);
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}

/**
 * Reorder axes: `out.shape[i] = x.shape[perm[i]]`.
 *
 * @param x The input.
 * @param perm A permutation of `0 … rank-1`.
 * @returns The permuted copy.
 */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  const p = perm.map((a) => normalizeAxis("permute", a, x.rank));
  if (p.length !== x.rank || new Set(p).size !== p.length) {
    throw new RangeError(
      `Cannot permute ${formatShape(x.shape)} by [${
        perm.join(", ")
      }]: not a permutation of its axes`,
    );
  }
  const strides = stridesOf(x.shape);
  const shape = p.map((a) => x.shape[a]);
  const buf = x.backend.copyStrided(x.buffer, shape, p.map((a) => strides[a]), 0, x.dtype);
  const inverse = new Array<number>(p.length);
  p.forEach((a, i) => (inverse[a] = i));
  return record(wrap(buf, shape, x), [x], "permute", () => (g) => [permute(g, inverse)]);
}

/** Swap axes `a` and `b`. */
export function transpose(x: Tensor, a = -2, b = -1): Tensor {
  const perm = x.shape.map((_, i) => i);
  const i = normalizeAxis("transpose", a, x.rank), j = normalizeAxis("transpose", b, x.rank);
  [perm[i], perm[j]] = [perm[j], perm[i]];
  return permute(x, perm);
}

/**
 * Broadcast to `shape` (materialised).
 *
 * @param x The input.
 * @param shape A shape `x` broadcasts to.
 * @returns The expanded copy.
 */
export function expand(x: Tensor, shape: Shape): Tensor {
  const target = checkShape("expand", shape);
  const b = broadcastShapes("expand", x.shape, target);
  if (!sameShape(b, target)) {
    throw new TypeError(`Cannot expand ${formatShape(x.shape)} to ${formatShape(shape)}`);
  }
  if (sameShape(x.shape, target)) return reshape(x, target);
  const buf = x.backend.copyStrided(
    x.buffer,
    target,
    broadcastStrides(x.shape, target),
    0,
    x.dtype,
  );
  const from = x.shape;
  return record(wrap(buf, target, x), [x], "expand", () => (g) => [sumTo(g.share(), from)]);
}

/**
 * The block `begin[d] ≤ i < end[d]` of every axis. Missing trailing axes are
 * taken whole; negative positions count from the end; `undefined` ends run to
 * the end of the axis.
 *
 * @param x The input.
 * @param begin Start per axis.
 * @param end End per axis (exclusive).
 * @returns The slice (a copy).
 */
export function slice(
  x: Tensor,
  begin: readonly number[],
  end?: readonly (number | undefined)[],
): Tensor {
  if (begin.length > x.rank || (end && end.length > x.rank)) {
    throw new RangeError(`Cannot slice ${formatShape(x.shape)} with ${begin.length} starts`);
  }
  const starts: number[] = [], shape: number[] = [];
  for (let d = 0; d < x.rank; d++) {
    const n = x.shape[d];
    const clampPos = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
    const s = clampPos(begin[d] ?? 0);
    const e = clampPos(end?.[d] ?? n);
    if (!Number.isInteger(begin[d] ?? 0) || !Number.isInteger(end?.[d] ?? n)) {
      throw new TypeError(`Cannot slice axis ${d} with non-integer bounds`);
    }
    starts.push(s);
    shape.push(Math.max(e - s, 0));
  }
  const strides = stridesOf(x.shape);
  const offset = starts.reduce((o, s, d) => o + s * strides[d], 0);
  const buf = x.backend.copyStrided(x.buffer, shape, strides, offset, x.dtype);
  const pads = starts.map((s, d) => [s, x.shape[d] - s - shape[d]] as [number, number]);
  return record(wrap(buf, shape, x), [x], "slice", () => (g) => [pad(g, pads, 0)]);
}

/**
 * A copy with storage of its own: later in-place updates of either tensor
 * leave the other as it was (what `reshape`, `detach` and `share` do not give).
 *
 * @param x The input.
 * @returns The copy; the gradient passes through unchanged.
 */
export function clone(x: Tensor): Tensor {
  const buf = x.backend.copyStrided(x.buffer, x.shape, stridesOf(x.shape), 0, x.dtype);
  return record(wrap(buf, x.shape, x), [x], "clone", () => (g) => [g.share()]);
}

/**
 * Pad with a constant: `pads[d] = [before, after]` for the first axes.
 *
 * @param x The input.
 * @param pads Per-axis padding; axes not listed get none.
 * @param value The fill value.
 * @returns The padded copy.
 */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[], value = 0): Tensor {
  if (pads.length > x.rank) {
    throw new RangeError(`Cannot pad ${formatShape(x.shape)} along ${pads.length} axes`);
  }
  const before = x.shape.map((_, d) => pads[d]?.[0] ?? 0);
  const after = x.shape.map((_, d) => pads[d]?.[1] ?? 0);
  if ([...before, ...after].some((p) => !Number.isInteger(p) || p < 0)) {
    throw new RangeError(`Cannot pad by negative or fractional amounts: ${JSON.stringify(pads)}`);
  }
  const shape = x.shape.map((d, i) => d + before[i] + after[i]);
  const buf = x.backend.pad(x.buffer, x.shape, before, shape, value, x.dtype);
  const from = x.shape;
  return record(
    wrap(buf, shape, x),
    [x],
    "pad",
    () => (g) => [slice(g, before, before.map((b, d) => b + from[d]))],
  );
}

/**
 * Join tensors along `axis`; the other extents must agree.
 *
 * @param tensors At least one tensor.
 * @param axis The axis to join along.
 * @returns The joined tensor.
 * @example
 * ```ts
 * import { concat, tensor } from "@recognize/tensor";
 * const y = concat([tensor([[1], [2]]), tensor([[3], [4]])], 1);
 * console.assert(y.dataSync().join() === "1,3,2,4");
 * ```
 */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new RangeError("Cannot concat an empty list of tensors");
  const [first] = tensors;
  checkCompatible("concat", tensors);
  const a = normalizeAxis("concat", axis, first.rank);
  for (const t of tensors) {
    if (t.rank !== first.rank || t.shape.some((d, i) => i !== a && d !== first.shape[i])) {
      throw new TypeError(
        `Cannot concat ${formatShape(first.shape)} and ${formatShape(t.shape)} along axis ${a}`,
      );
    }
  }
  const sizes = tensors.map((t) => t.shape[a]);
  const outer = sizeOf(first.shape.slice(0, a)), inner = sizeOf(first.shape.slice(a + 1));
  const shape = [...first.shape];
  shape[a] = sizes.reduce((s, v) => s + v, 0);
  const buf = first.backend.concat(tensors.map((t) => t.buffer), outer, sizes, inner, first.dtype);
  return record(wrap(buf, shape, first), [...tensors], "concat", () => (g, needs) => {
    let at = 0;
    return sizes.map((n, i) => {
      const begin = shape.map((_, d) => (d === a ? at : 0));
      const end = shape.map((e, d) => (d === a ? at + n : e));
      at += n;
      return needs[i] ? slice(g, begin, end) : null;
    });
  });
}
