// WGSL twins of cpu/elementwise.ts `binary` and `where`.

import type { BinaryOp } from "../../backend.ts";
import {
  elementwiseMain,
  type Kernel,
  LINEAR_INDEX,
  memoKernel,
  PARAMS,
  storage,
  stridedOffsets,
} from "./_common.ts";

const EXPR: Record<BinaryOp, string> = {
  add: "u + v",
  sub: "u - v",
  mul: "u * v",
  div: "u / v",
  pow: "powf(u, v)",
  maximum: "max(u, v)",
  minimum: "min(u, v)",
  eq: "select(0.0, 1.0, u == v)",
  ne: "select(0.0, 1.0, u != v)",
  lt: "select(0.0, 1.0, u < v)",
  le: "select(0.0, 1.0, u <= v)",
  gt: "select(0.0, 1.0, u > v)",
  ge: "select(0.0, 1.0, u >= v)",
  reluGrad: "select(0.0, u, v > 0.0)",
  sigmoidGrad: "u * (v * (1.0 - v))",
};

// WGSL's pow is undefined for negative bases; match Math.pow for integer exponents.
const POW = /* wgsl */ `
fn powf(u: f32, v: f32) -> f32 {
  if (v == 0.0) { return 1.0; }
  if (u >= 0.0) { return pow(u, v); }
  if (v != floor(v)) { return bitcast<f32>(0x7fc00000u); }
  let m = pow(-u, v);
  return select(m, -m, (i32(v) & 1) == 1);
}
`;

/**
 * `out = op(a, b)`. The `contiguous` variant reads `a[i]`, `b[i]`, or `b[0]`
 * for a scalar (`p(1)` = 1); the strided one decodes broadcast strides.
 * params: n, then (strided) rank, extents, out strides, a strides, b strides.
 */
export const binaryKernel = memoKernel((op: BinaryOp, contiguous: boolean): Kernel => {
  const read = contiguous
    ? `  let u = a[i];\n  let v = select(b[i], b[0], p(1u) == 1u);`
    : `${stridedOffsets(3)}\n  let u = a[off1];\n  let v = b[off2];`;
  return {
    code: PARAMS + LINEAR_INDEX + POW + storage(["a", "b"]) +
      elementwiseMain(`${read}\n  out[i] = ${EXPR[op]};`),
    workgroupSize: 256,
    bindings: 3,
  };
});

/** `out = a + alpha·b`, same shapes; params: n, alpha. */
export const axpyKernel: Kernel = {
  code: PARAMS + LINEAR_INDEX + storage(["a", "b"]) +
    elementwiseMain(`  out[i] = a[i] + pf(1u) * b[i];`),
  workgroupSize: 256,
  bindings: 3,
};

/**
 * `a += alpha·b` in place, `a` bound once, read and written (the same
 * expression as {@link axpyKernel}, so the same bits); params: n, alpha.
 */
export const axpyInPlaceKernel: Kernel = {
  code: PARAMS + LINEAR_INDEX + storage(["b"], "a") +
    elementwiseMain(`  a[i] = a[i] + pf(1u) * b[i];`),
  workgroupSize: 256,
  bindings: 2,
};

/** `a = alpha·a + beta·b` in place, `a` bound once, read and written; params: n, alpha, beta. */
export const axpbyInPlaceKernel: Kernel = {
  code: PARAMS + LINEAR_INDEX + storage(["b"], "a") +
    elementwiseMain(`  a[i] = pf(1u) * a[i] + pf(2u) * b[i];`),
  workgroupSize: 256,
  bindings: 2,
};

/**
 * One Adam step in place, the weights `w` and moments `m` and `v` read and
 * written, in the composed ops' order; params: n, β₁, 1 − β₁, β₂, 1 − β₂, vScale, eps, step.
 */
export const adamInPlaceKernel: Kernel = {
  code: PARAMS + LINEAR_INDEX + storage(["g"], ["w", "m", "v"]) + elementwiseMain(`
  let gi = g[i];
  let mi = m[i] * pf(1u) + pf(2u) * gi;
  let vi = v[i] * pf(3u) + pf(4u) * (gi * gi);
  m[i] = mi;
  v[i] = vi;
  w[i] = w[i] + pf(7u) * (mi / (sqrt(vi * pf(5u)) + pf(6u)));`),
  workgroupSize: 256,
  bindings: 4,
};

/**
 * One momentum step in place, the weights `w` and velocity `m` read and
 * written, in the composed ops' order; params: n, momentum, step.
 */
export const momentumInPlaceKernel: Kernel = {
  code: PARAMS + LINEAR_INDEX + storage(["g"], ["w", "m"]) + elementwiseMain(`
  let mi = m[i] * pf(1u) + pf(2u) * g[i];
  m[i] = mi;
  w[i] = w[i] + mi;`),
  workgroupSize: 256,
  bindings: 3,
};

/** `out = c != 0 ? a : b`, all strided. */
export const whereKernel: Kernel = {
  code: PARAMS + LINEAR_INDEX + storage(["c", "a", "b"]) + elementwiseMain(`${stridedOffsets(4)}
  out[i] = select(b[off3], a[off2], c[off1] != 0.0);`),
  workgroupSize: 256,
  bindings: 4,
};
