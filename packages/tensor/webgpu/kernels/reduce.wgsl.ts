// WGSL twin of cpu/reduce.ts: reduce the middle axis of [outer, n, inner].
//
// Two shapes of work: one thread per output when there are many outputs, and
// one workgroup per output (a shared-memory tree) when there are few outputs
// with long rows, such as a full sum or softmax over wide rows.

import type { ReduceOp } from "../../backend.ts";
import {
  elementwiseMain,
  type Kernel,
  LINEAR_INDEX,
  memoKernel,
  PARAMS,
  storage,
} from "./_common.ts";

const INIT: Record<ReduceOp, string> = {
  sum: "0.0",
  max: "-3.4028234663852886e38",
  min: "3.4028234663852886e38",
  argmax: "-3.4028234663852886e38",
  argmin: "3.4028234663852886e38",
};

function better(op: ReduceOp, v: string, best: string): string {
  return op === "max" || op === "argmax" ? `${v} > ${best}` : `${v} < ${best}`;
}

/** One thread per output; params: outputs, n, inner. */
export const reduceThreadKernel = memoKernel((op: ReduceOp): Kernel => {
  const loop = op === "sum"
    ? "acc += x[base + j * inner];"
    : `let v = x[base + j * inner]; if (${better(op, "v", "acc")} || j == 0u) { acc = v; at = j; }`;
  const result = op === "argmax" || op === "argmin" ? "f32(at)" : "acc";
  return {
    code: PARAMS + LINEAR_INDEX + storage(["x"]) + elementwiseMain(`
  let n = p(1u); let inner = p(2u);
  let o = i / inner; let k = i % inner;
  let base = o * n * inner + k;
  var acc = ${INIT[op]}; var at = 0u;
  for (var j = 0u; j < n; j++) { ${loop} }
  out[i] = ${result};`),
    workgroupSize: 256,
    bindings: 2,
  };
});

const RWG = 256;

/** One workgroup per output; params: outputs, n, inner. */
export const reduceGroupKernel = memoKernel((op: ReduceOp): Kernel => {
  const isSum = op === "sum";
  const combine = isSum
    ? "vals[t] = vals[t] + vals[t + s];"
    : `if (${better(op, "vals[t + s]", "vals[t]")} ||
           (vals[t + s] == vals[t] && idxs[t + s] < idxs[t])) {
        vals[t] = vals[t + s]; idxs[t] = idxs[t + s];
      }`;
  const step = isSum
    ? "acc += x[base + j * inner];"
    : `let v = x[base + j * inner]; if (${
      better(op, "v", "acc")
    } || first) { acc = v; at = j; first = false; }`;
  const result = op === "argmax" || op === "argmin" ? "f32(idxs[0])" : "vals[0]";
  return {
    code: PARAMS + storage(["x"]) + /* wgsl */ `
var<workgroup> vals: array<f32, ${RWG}>;
var<workgroup> idxs: array<u32, ${RWG}>;
@compute @workgroup_size(${RWG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let o = wid.y * nwg.x + wid.x;
  let t = lid.x;
  let n = p(1u); let inner = p(2u);
  let valid = o < p(0u);
  let base = (o / inner) * n * inner + (o % inner);
  var acc = ${INIT[op]}; var at = 0xffffffffu; var first = true;
  if (valid) {
    for (var j = t; j < n; j += ${RWG}u) { ${step} }
  }
  vals[t] = acc; idxs[t] = at;
  workgroupBarrier();
  for (var s = ${RWG / 2}u; s > 0u; s = s >> 1u) {
    if (t < s) {
      ${combine}
    }
    workgroupBarrier();
  }
  if (t == 0u && valid) { out[o] = ${result}; }
}`,
    workgroupSize: RWG,
    bindings: 2,
  };
});
