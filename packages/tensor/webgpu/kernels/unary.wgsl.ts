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
