// WGSL twin of cpu/elementwise.ts `unary`.

import type { UnaryOp } from "../../backend.ts";
import {
  elementwiseMain,
  type Kernel,
  LINEAR_INDEX,
  memoKernel,
  PARAMS,
  storage,
} from "./_common.ts";

const EXPR: Record<UnaryOp, string> = {
  neg: "-v",
  exp: "exp(v)",
  log: "log(v)",
  sqrt: "sqrt(v)",
  abs: "abs(v)",
  sign: "sign(v)",
  // split by sign so exp never overflows
  sigmoid: "select(exp(v) / (1.0 + exp(v)), 1.0 / (1.0 + exp(-v)), v >= 0.0)",
  tanh: "tanh(clamp(v, -20.0, 20.0))",
  relu: "max(v, 0.0)",
};

/** `out[i] = op(x[i])`; params: n. */
export const unaryKernel = memoKernel((op: UnaryOp): Kernel => {
  return {
    code: PARAMS + LINEAR_INDEX + storage(["x"]) + elementwiseMain(`
  let v = x[i];
  out[i] = ${EXPR[op]};`),
    workgroupSize: 256,
    bindings: 2,
  };
});

/** `out[i] = value`; params: n, value. */
export const fillKernel: Kernel = {
  code: PARAMS + LINEAR_INDEX + storage([]) + elementwiseMain(`  out[i] = pf(1u);`),
  workgroupSize: 256,
  bindings: 1,
};

/**
 * A dropout mask: `keep` where the top 24 bits of `counterHash(seed, i)` (random.ts, the same
 * integer steps) are at least `threshold`, else 0; params: n, seed, threshold, keep.
 */
export const dropoutMaskKernel: Kernel = {
  code: PARAMS + LINEAR_INDEX + storage([]) + /* wgsl */ `
fn triple32(v: u32) -> u32 {
  var x = v;
  x ^= x >> 17u; x *= 0xed5ad4bbu;
  x ^= x >> 11u; x *= 0xac4c1b51u;
  x ^= x >> 15u; x *= 0x31848babu;
  x ^= x >> 14u;
  return x;
}
` + elementwiseMain(`
  let bits = triple32(triple32(i) ^ p(1u));
  out[i] = select(0.0, pf(3u), (bits >> 8u) >= p(2u));`),
  workgroupSize: 256,
  bindings: 1,
};
