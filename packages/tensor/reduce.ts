/**
 * Reductions over axes (sum, mean, max, min, argmax, argmin) and `sumTo`,
 * which undoes broadcasting in gradient rules.
 *
 * @module
 */

import { record } from "./autograd.ts";
import type { ReduceOp } from "./backend.ts";
import { formatShape, normalizeAxis, sameShape, type Shape, sizeOf } from "./shape.ts";
import type { Tensor } from "./tensor.ts";
import { wrap } from "./_operand.ts";

function normalizeAxes(op: string, x: Tensor, axis: number | number[] | undefined): number[] {
  if (axis === undefined) return x.shape.map((_, i) => i);
  if (typeof axis === "number") return [normalizeAxis(op, axis, x.rank)];
  const axes = [...new Set(axis.map((a) => normalizeAxis(op, a, x.rank)))];
  return axes.sort((p, q) => p - q);
}

/** `shape` with `axes` kept as extent 1 (`keepDims`) or dropped. */
function reducedShape(shape: Shape, axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (!axes.includes(i)) out.push(shape[i]);
    else if (keepDims) out.push(1);
  }
  return out;
}

/**
 * Reduce over sorted `axes`, the result in its final shape (one tensor, no
 * reshape after: these run a few times every training step); no graph.
 */
function reduceRaw(op: ReduceOp, x: Tensor, axes: readonly number[], keepDims: boolean): Tensor {
  if (axes.length === 0) return x.share();
  const first = axes[0], last = axes[axes.length - 1];
  if (last - first === axes.length - 1) {
    // one run of axes: [outer, n, inner]
    let outer = 1, n = 1, inner = 1;
    for (let i = 0; i < x.rank; i++) {
      if (i < first) outer *= x.shape[i];
      else if (i <= last) n *= x.shape[i];
      else inner *= x.shape[i];
    }
    const buf = x.backend.reduce(op, x.buffer, outer, n, inner, x.dtype);
    return wrap(buf, reducedShape(x.shape, axes, keepDims), x);
  }
  // separate runs: reduce the last run, then the rest
  let start = axes.length - 1;
  while (start > 0 && axes[start - 1] === axes[start] - 1) start--;
  using partial = reduceRaw(op, x, axes.slice(start), true);
  using kept = reduceRaw(op, partial, axes.slice(0, start), true);
  return kept.shareAs(reducedShape(x.shape, axes, keepDims));
}

/**
 * Sum over `axis` (every axis when omitted).
 *
 * @param x The input.
 * @param axis One axis, several, or undefined for all.
 * @param keepDims Keep reduced axes with extent 1.
 * @returns The sums.
 * @example
 * ```ts
 * import { tensor } from "@recognize/tensor";
 * console.assert(tensor([[1, 2], [3, 4]]).sum(0).dataSync().join() === "4,6");
 * ```
 */
export function sum(x: Tensor, axis?: number | number[], keepDims = false): Tensor {
  const axes = normalizeAxes("sum", x, axis);
  const out = reduceRaw("sum", x, axes, keepDims);
  return record(out, [x], "sum", () => {
    const keptDims = reducedShape(x.shape, axes, true);
    return (g) => {
      using gk = g.reshape(keptDims);
      return [gk.expand(x.shape)];
    };
  });
}

/** Mean over `axis` (every axis when omitted): the sum times 1/n. */
export function mean(x: Tensor, axis?: number | number[], keepDims = false): Tensor {
  const axes = normalizeAxes("mean", x, axis);
  const n = sizeOf(axes.map((a) => x.shape[a]));
  using s = sum(x, axes, keepDims);
  return s.mul(1 / n);
}

function extremum(op: "max" | "min", x: Tensor, axis?: number | number[], keepDims = false) {
  const axes = normalizeAxes(op, x, axis);
  if (axes.some((a) => x.shape[a] === 0)) {
    throw new RangeError(`Cannot take the ${op} of an empty axis in ${formatShape(x.shape)}`);
  }
  const out = reduceRaw(op, x, axes, keepDims);
  return record(out, [x], op, (save) => {
    const keptDims = reducedShape(x.shape, axes, true);
    using keptOut = out.shareAs(keptDims);
    const sx = save(x), sk = save(keptOut);
    return (g) => {
      // ties share the gradient evenly
      using mask = sx.eq(sk);
      using count = mask.sum(axes, true);
      using gk = g.reshape(keptDims);
      using share = gk.div(count);
      return [mask.mul(share)];
    };
  });
}

/** Maximum over `axis` (every axis when omitted); ties share the gradient. */
export function max(x: Tensor, axis?: number | number[], keepDims = false): Tensor {
  return extremum("max", x, axis, keepDims);
}

/** Minimum over `axis` (every axis when omitted); ties share the gradient. */
export function min(x: Tensor, axis?: number | number[], keepDims = false): Tensor {
  return extremum("min", x, axis, keepDims);
}

/** Index of the first maximum or minimum along one axis; not differentiable. */
export function argReduce(
  op: "argmax" | "argmin",
  x: Tensor,
  axis: number,
  keepDims = false,
): Tensor {
  const a = normalizeAxis(op, axis, x.rank);
  if (x.shape[a] === 0) throw new RangeError(`Cannot take the ${op} of an empty axis`);
  return reduceRaw(op, x, [a], keepDims);
}

/**
 * Sum `t` down to `shape`, undoing NumPy broadcasting. Takes ownership of `t`.
 *
 * @param t A gradient of the broadcast shape.
 * @param shape The operand's shape.
 * @returns A tensor of `shape`.
 */
export function sumTo(t: Tensor, shape: Shape): Tensor {
  if (sameShape(t.shape, shape)) return t;
  const lead = t.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < t.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && t.shape[i] !== 1)) axes.push(i);
  }
  using s = sum(t, axes, true);
  t.dispose();
  return s.reshape(shape);
}
