/**
 * Elementwise ops and their gradient rules: unary functions, binary
 * arithmetic with NumPy broadcasting, comparisons and `where`.
 *
 * @module
 */

import { record } from "./autograd.ts";
import type { AdamScalars, BinaryOp, UnaryOp } from "./backend.ts";
import type { DType } from "./dtype.ts";
import { broadcastShapes, formatShape, sameShape } from "./shape.ts";
import { Tensor, type TensorLike } from "./tensor.ts";
import { checkCompatible, operand, scalarLike, wrap } from "./_operand.ts";
import { sumTo } from "./reduce.ts";

function unaryRaw(op: UnaryOp, x: Tensor): Tensor {
  return wrap(x.backend.unary(op, x.buffer, x.size, x.dtype), x.shape, x);
}

function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  checkCompatible(op, [a, b]);
  const shape = broadcastShapes(op, a.shape, b.shape);
  return wrap(a.backend.binary(op, a.buffer, a.shape, b.buffer, b.shape, shape, a.dtype), shape, a);
}

/** `-x` */
export function neg(x: Tensor): Tensor {
  return record(unaryRaw("neg", x), [x], "neg", () => (g) => [g.neg()]);
}

/** `eˣ`; d/dx = eˣ. */
export function exp(x: Tensor): Tensor {
  const out = unaryRaw("exp", x);
  return record(out, [x], "exp", (save) => {
    const y = save(out);
    return (g) => [g.mul(y)];
  });
}

/** Natural log; d/dx = 1/x. */
export function log(x: Tensor): Tensor {
  return record(unaryRaw("log", x), [x], "log", (save) => {
    const s = save(x);
    return (g) => [g.div(s)];
  });
}

/** Square root; d/dx = 1/(2√x). */
export function sqrt(x: Tensor): Tensor {
  const out = unaryRaw("sqrt", x);
  return record(out, [x], "sqrt", (save) => {
    const y = save(out);
    return (g) => {
      using twice = y.mul(2);
      return [g.div(twice)];
    };
  });
}

/** |x|; d/dx = sign(x) (0 at 0). */
export function abs(x: Tensor): Tensor {
  return record(unaryRaw("abs", x), [x], "abs", (save) => {
    const s = save(x);
    return (g) => {
      using sg = s.sign();
      return [g.mul(sg)];
    };
  });
}

/** sign(x): -1, 0 or 1. Not differentiable (its gradient is zero almost everywhere). */
export function sign(x: Tensor): Tensor {
  return unaryRaw("sign", x);
}

/** σ(x) = 1/(1+e⁻ˣ); σ′ = σ(1−σ). */
export function sigmoid(x: Tensor): Tensor {
  const out = unaryRaw("sigmoid", x);
  return record(out, [x], "sigmoid", (save) => {
    const y = save(out);
    return (g) => [sigmoidBackward(g, y)];
  });
}

/**
 * The sigmoid's backward in one pass: `g·y·(1 − y)`, where `y = σ(x)`.
 * Not differentiable itself.
 *
 * @param g ∂J/∂y.
 * @param y The sigmoid's output (same shape as `g`).
 * @returns ∂J/∂x.
 * @example
 * ```ts
 * import { sigmoidBackward, tensor } from "@recognize/tensor";
 * const dx = sigmoidBackward(tensor([2, 2]), tensor([0.5, 0.9])).dataSync();
 * console.assert(dx[0] === 0.5 && Math.abs(dx[1] - 0.18) < 1e-6);
 * ```
 */
export function sigmoidBackward(g: Tensor, y: Tensor): Tensor {
  return sameShapeRaw("sigmoidGrad", g, y);
}

/**
 * ReLU's backward in one pass: `g` where `y > 0`, else 0, where `y = relu(x)`.
 * Not differentiable itself.
 *
 * @param g ∂J/∂y.
 * @param y The ReLU's output (same shape as `g`).
 * @returns ∂J/∂x.
 * @example
 * ```ts
 * import { reluBackward, tensor } from "@recognize/tensor";
 * const dx = reluBackward(tensor([1, 2, 3]), tensor([0, 5, 0.5])).dataSync();
 * console.assert(dx.join() === "0,2,3");
 * ```
 */
export function reluBackward(g: Tensor, y: Tensor): Tensor {
  return sameShapeRaw("reluGrad", g, y);
}

function sameShapeRaw(op: "reluGrad" | "sigmoidGrad", g: Tensor, y: Tensor): Tensor {
  if (g.shape.join() !== y.shape.join()) {
    throw new TypeError(
      `Cannot ${op}: gradient ${formatShape(g.shape)} and output ${
        formatShape(y.shape)
      } differ in shape`,
    );
  }
  return binaryRaw(op, g, y);
}

/** tanh(x); tanh′ = 1 − tanh². */
export function tanh(x: Tensor): Tensor {
  const out = unaryRaw("tanh", x);
  return record(out, [x], "tanh", (save) => {
    const y = save(out);
    return (g) => {
      using y2 = y.mul(y);
      using slope = scalarLike(1, y).sub(y2);
      return [g.mul(slope)];
    };
  });
}

/** max(x, 0); the gradient passes where x > 0. */
export function relu(x: Tensor): Tensor {
  const out = unaryRaw("relu", x);
  return record(out, [x], "relu", (save) => {
    const y = save(out);
    return (g) => [reluBackward(g, y)];
  });
}

/** `a + b` */
export function add(a: Tensor, b: TensorLike): Tensor {
  const bt = operand(b, a);
  return record(binaryRaw("add", a, bt), [a, bt], "add", () => (g, needs) => [
    needs[0] ? sumTo(g.share(), a.shape) : null,
    needs[1] ? sumTo(g.share(), bt.shape) : null,
  ]);
}

/** `a - b` */
export function sub(a: Tensor, b: TensorLike): Tensor {
  const bt = operand(b, a);
  return record(binaryRaw("sub", a, bt), [a, bt], "sub", () => (g, needs) => [
    needs[0] ? sumTo(g.share(), a.shape) : null,
    needs[1] ? sumTo(g.neg(), bt.shape) : null,
  ]);
}

/** `a * b` */
export function mul(a: Tensor, b: TensorLike): Tensor {
  const bt = operand(b, a);
  return record(binaryRaw("mul", a, bt), [a, bt], "mul", (save) => {
    const sa = save(a), sb = save(bt);
    return (g, needs) => [
      needs[0] ? sumTo(g.mul(sb), sa.shape) : null,
      needs[1] ? sumTo(g.mul(sa), sb.shape) : null,
    ];
  });
}

/** `a / b`; ∂/∂b = −a/b² = −out/b. */
export function div(a: Tensor, b: TensorLike): Tensor {
  const bt = operand(b, a);
  const out = binaryRaw("div", a, bt);
  return record(out, [a, bt], "div", (save) => {
    const sb = save(bt), so = save(out);
    return (g, needs) => {
      let gb: Tensor | null = null;
      if (needs[1]) {
        using q = so.div(sb);
        using gq = g.mul(q);
        gb = sumTo(gq.neg(), sb.shape);
      }
      return [needs[0] ? sumTo(g.div(sb), a.shape) : null, gb];
    };
  });
}

/** `aᵇ`; ∂/∂a = b·aᵇ⁻¹, ∂/∂b = aᵇ·ln a. */
export function pow(a: Tensor, b: TensorLike): Tensor {
  const bt = operand(b, a);
  const out = binaryRaw("pow", a, bt);
  return record(out, [a, bt], "pow", (save) => {
    const sa = save(a), sb = save(bt), so = save(out);
    return (g, needs) => {
      let ga: Tensor | null = null, gb: Tensor | null = null;
      if (needs[0]) {
        using bm1 = sb.sub(1);
        using p = sa.pow(bm1);
        using slope = p.mul(sb);
        ga = sumTo(g.mul(slope), sa.shape);
      }
      if (needs[1]) {
        using la = sa.log();
        using slope = so.mul(la);
        gb = sumTo(g.mul(slope), sb.shape);
      }
      return [ga, gb];
    };
  });
}

function minmax(op: "maximum" | "minimum", a: Tensor, b: TensorLike): Tensor {
  const bt = operand(b, a);
  return record(binaryRaw(op, a, bt), [a, bt], op, (save) => {
    const sa = save(a), sb = save(bt);
    return (g, needs) => {
      // share of the gradient that goes to a: 1 where a wins, ½ on ties
      using wins = op === "maximum" ? sa.gt(sb) : sa.lt(sb);
      using ties = sa.eq(sb);
      using half = ties.mul(0.5);
      using toA = wins.add(half);
      let ga: Tensor | null = null, gb: Tensor | null = null;
      if (needs[0]) ga = sumTo(g.mul(toA), sa.shape);
      if (needs[1]) {
        using toB = scalarLike(1, toA).sub(toA);
        gb = sumTo(g.mul(toB), sb.shape);
      }
      return [ga, gb];
    };
  });
}

/**
 * `a + alpha·b` for tensors of one shape, in one pass (optimizer updates).
 *
 * @param a The base.
 * @param b The step, same shape.
 * @param alpha The scale of `b`.
 * @returns The sum.
 */
export function addScaled(a: Tensor, b: Tensor, alpha: number): Tensor {
  checkCompatible("addScaled", [a, b]);
  if (a.shape.join() !== b.shape.join()) {
    throw new TypeError(
      `Cannot addScaled ${formatShape(a.shape)} and ${formatShape(b.shape)}: shapes must be equal`,
    );
  }
  const out = wrap(a.backend.axpy(a.buffer, b.buffer, alpha, a.size, a.dtype), a.shape, a);
  return record(out, [a, b], "addScaled", () => (g, needs) => [
    needs[0] ? g.share() : null,
    needs[1] ? g.mul(alpha) : null,
  ]);
}

/**
 * `target += alpha·b` in place, for tensors of one shape. The caller
 * ({@link Tensor.addScaledInPlace}) has checked that `target` may be written.
 */
export function addScaledInPlace(target: Tensor, b: Tensor, alpha: number): void {
  checkSameShape("addScaledInPlace", target, b);
  target.backend.axpyInPlace(target.buffer, b.buffer, alpha, target.size, target.dtype);
}

/**
 * `target += alpha · Σ over x's first axis` in place ({@link Tensor.addSumInPlace});
 * the caller has checked that `target` may be written.
 */
export function addSumInPlace(target: Tensor, x: Tensor, alpha: number): void {
  checkCompatible("addSumInPlace", [target, x]);
  if (x.rank < 1 || !sameShape(x.shape.slice(1), target.shape)) {
    throw new TypeError(
      `Cannot addSumInPlace the first-axis sum of ${formatShape(x.shape)} to ${
        formatShape(target.shape)
      }: the shapes after the first axis must be the target's`,
    );
  }
  if (target.buffer === x.buffer) {
    throw new Error("Cannot addSumInPlace a tensor's own storage");
  }
  const rows = x.shape[0];
  target.backend.addRowSumInPlace(target.buffer, x.buffer, rows, target.size, alpha, target.dtype);
}

/**
 * `target = alpha·target + beta·b` in place ({@link Tensor.scaleAddInPlace});
 * the caller has checked that `target` may be written.
 */
export function scaleAddInPlace(target: Tensor, alpha: number, b: Tensor, beta: number): void {
  checkSameShape("scaleAddInPlace", target, b);
  if (target.buffer === b.buffer) {
    throw new Error("Cannot scaleAddInPlace a tensor with itself: use mul");
  }
  target.backend.axpbyInPlace(target.buffer, b.buffer, alpha, beta, target.size, target.dtype);
}

function checkSameShape(op: string, target: Tensor, b: Tensor): void {
  checkCompatible(op, [target, b]);
  if (!sameShape(target.shape, b.shape)) {
    throw new TypeError(
      `Cannot ${op} ${formatShape(b.shape)} to ${formatShape(target.shape)}: shapes must be equal`,
    );
  }
}

/**
 * One Adam step in place ({@link Tensor.adamStepInPlace}), for tensors of
 * one shape; the caller has checked that `p`, `m` and `v` may be written.
 */
export function adamStepInPlace(p: Tensor, g: Tensor, m: Tensor, v: Tensor, s: AdamScalars): void {
  const operands = [["gradient", g], ["first moment", m], ["second moment", v]] as const;
  checkStepOperands("adamStepInPlace", p, operands, "gradient and moments");
  p.backend.adamInPlace(p.buffer, g.buffer, m.buffer, v.buffer, p.size, p.dtype, s);
}

/**
 * An optimizer step's operands beside the weights `p`: one device and dtype,
 * `p`'s shape each (named in the error), and no two sharing storage (the
 * step reads some while it writes others).
 */
function checkStepOperands(
  op: string,
  p: Tensor,
  operands: readonly (readonly [string, Tensor])[],
  others: string,
): void {
  checkCompatible(op, [p, ...operands.map(([, t]) => t)]);
  for (const [name, t] of operands) {
    if (!sameShape(p.shape, t.shape)) {
      throw new TypeError(
        `Cannot ${op} with a ${name} of shape ${formatShape(t.shape)} on ${
          formatShape(p.shape)
        }: shapes must be equal`,
      );
    }
  }
  if (new Set([p.buffer, ...operands.map(([, t]) => t.buffer)]).size <= operands.length) {
    throw new Error(`Cannot ${op}: the weights, ${others} must not share storage`);
  }
}

/**
 * One momentum step in place ({@link Tensor.momentumStepInPlace}), for
 * tensors of one shape; the caller has checked that `p` and `m` may be written.
 */
export function momentumStepInPlace(
  p: Tensor,
  g: Tensor,
  m: Tensor,
  momentum: number,
  step: number,
): void {
  checkStepOperands(
    "momentumStepInPlace",
    p,
    [["gradient", g], ["velocity", m]],
    "gradient and velocity",
  );
  p.backend.momentumInPlace(p.buffer, g.buffer, m.buffer, p.size, p.dtype, momentum, step);
}

/** Elementwise maximum; ties split the gradient evenly. */
export function maximum(a: Tensor, b: TensorLike): Tensor {
  return minmax("maximum", a, b);
}

/** Elementwise minimum; ties split the gradient evenly. */
export function minimum(a: Tensor, b: TensorLike): Tensor {
  return minmax("minimum", a, b);
}

/** Clamp into `[low, high]`. */
export function clamp(x: Tensor, low: number, high: number): Tensor {
  if (!(low <= high)) throw new RangeError(`Cannot clamp to [${low}, ${high}]: low exceeds high`);
  using lo = maximum(x, low);
  return minimum(lo, high);
}

/** Comparison, 1 where true else 0; not differentiable. */
export function compare(
  op: "eq" | "ne" | "lt" | "le" | "gt" | "ge",
  a: Tensor,
  b: TensorLike,
): Tensor {
  return binaryRaw(op, a, operand(b, a));
}

/**
 * `cond ? a : b` elementwise, broadcasting all three.
 *
 * @param cond Nonzero selects `a`.
 * @param a Values where `cond` holds.
 * @param b Values elsewhere.
 * @returns The selection.
 * @example
 * ```ts
 * import { tensor, where } from "@recognize/tensor";
 * const y = where(tensor([1, 0, 1]), tensor([1, 2, 3]), 0);
 * console.assert(y.dataSync().join() === "1,0,3");
 * ```
 */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const like = a instanceof Tensor ? a : b instanceof Tensor ? b : cond;
  const at = operand(a, like), bt = operand(b, like);
  checkCompatible("where", [cond, at, bt]);
  const shape = broadcastShapes("where", broadcastShapes("where", cond.shape, at.shape), bt.shape);
  const buf = like.backend.where(
    cond.buffer,
    cond.shape,
    at.buffer,
    at.shape,
    bt.buffer,
    bt.shape,
    shape,
    like.dtype,
  );
  return record(wrap(buf, shape, like), [at, bt], "where", (save) => {
    const c = save(cond);
    return (g, needs) => {
      using zero = scalarLike(0, g);
      return [
        needs[0] ? sumTo(where(c, g, zero), at.shape) : null,
        needs[1] ? sumTo(where(c, zero, g), bt.shape) : null,
      ];
    };
  });
}

/** Convert dtype; the gradient converts back. */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (dtype === x.dtype) return x.reshape(x.shape);
  if (dtype === "float64" && !x.backend.supportsFloat64) {
    throw new TypeError(`Cannot cast to float64 on ${x.device}: it supports float32 only`);
  }
  const out = new Tensor(
    x.backend.cast(x.buffer, x.size, x.dtype, dtype),
    x.shape,
    dtype,
    x.backend,
  );
  const from = x.dtype;
  return record(out, [x], "cast", () => (g) => [g.cast(from)]);
}
