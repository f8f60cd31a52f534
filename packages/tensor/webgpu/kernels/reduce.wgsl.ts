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

/** Threads of the one-workgroup-per-output kernels. */
const RWG = 256;

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

/**
 * WGSL: one thread's pass over a row, `elem(j)` for j < `count`, leaving the
 * first extreme in `best` (and its index in `at`, when named): the order
 * every thread-per-row kernel here uses, so they agree bit for bit.
 */
function scanRow(
  op: ReduceOp,
  count: string,
  elem: (j: string) => string,
  best: string,
  at?: string,
): string {
  return `for (var j = 0u; j < ${count}; j++) { let v = ${elem("j")}; if (${
    better(op, "v", best)
  } || j == 0u) { ${best} = v;${at ? ` ${at} = j;` : ""} } }`;
}

/**
 * WGSL: `m`, a row's maximum, and `s`, Σ exp(x − m), for a softmax of the
 * row `elem(j)`, j < `count`, in the order of the max, sub, exp and sum kernels.
 */
function maxAndExpSum(count: string, elem: (j: string) => string): string {
  return `var m = ${INIT.max};
  ${scanRow("max", count, elem, "m")}
  var s = 0.0;
  for (var j = 0u; j < ${count}; j++) { s += exp(${elem("j")} - m); }`;
}

/** WGSL: a workgroup's tree over its threads `t`, `combine` folding entry `t + s` into `t`. */
function tree(combine: string): string {
  return `workgroupBarrier();
  for (var s = ${RWG / 2}u; s > 0u; s = s >> 1u) {
    if (t < s) { ${combine} }
    workgroupBarrier();
  }`;
}

/** One thread per output; params: outputs, n, inner. */
export const reduceThreadKernel = memoKernel((op: ReduceOp): Kernel => {
  const elem = (j: string) => `x[base + ${j} * inner]`;
  const loop = op === "sum"
    ? `for (var j = 0u; j < n; j++) { acc += ${elem("j")}; }`
    : scanRow(op, "n", elem, "acc", "at");
  const result = op === "argmax" || op === "argmin" ? "f32(at)" : "acc";
  return {
    code: PARAMS + LINEAR_INDEX + storage(["x"]) + elementwiseMain(`
  let n = p(1u); let inner = p(2u);
  let o = i / inner; let k = i % inner;
  let base = o * n * inner + k;
  var acc = ${INIT[op]}; var at = 0u;
  ${loop}
  out[i] = ${result};`),
    workgroupSize: 256,
    bindings: 2,
  };
});

/**
 * The end of a split-K product: the sum of its K slices' partial products
 * `x` (`[slices, m·n]`), in the order {@link reduceThreadKernel} adds them,
 * with what would otherwise be one more dispatch: a bias on each row's
 * columns (`colBias`) or on each row (`rowBias`), or `out += α·sum`
 * (`accumulate`). Params: m·n, slices, n, then α's bits.
 */
export const sliceSumKernel = memoKernel(
  (epilogue: "colBias" | "rowBias" | "accumulate"): Kernel => {
    const store = {
      colBias: "out[i] = acc + bias[i % p(2u)];",
      rowBias: "out[i] = acc + bias[i / p(2u)];",
      accumulate: "out[i] = out[i] + pf(3u) * acc;",
    }[epilogue];
    return {
      code: PARAMS + LINEAR_INDEX + storage(epilogue === "accumulate" ? ["x"] : ["x", "bias"]) +
        elementwiseMain(`
  let slices = p(1u);
  var acc = 0.0;
  for (var z = 0u; z < slices; z++) { acc += x[z * p(0u) + i]; }
  ${store}`),
      workgroupSize: 256,
      bindings: epilogue === "accumulate" ? 2 : 3,
    };
  },
);

/**
 * `target[j] += α·Σ_i x[i, j]` over `x`'s `[rows, cols]`, one thread a
 * column adding its rows in order, as {@link reduceThreadKernel} does (used
 * where it would be): a bias's SGD step from its δ. Params: cols, rows, α's bits.
 */
export const addRowSumKernel: Kernel = {
  code: PARAMS + LINEAR_INDEX + storage(["x"], "t") + elementwiseMain(`
  let cols = p(0u); let rows = p(1u);
  var acc = 0.0;
  for (var r = 0u; r < rows; r++) { acc += x[r * cols + i]; }
  t[i] = t[i] + pf(2u) * acc;`),
  workgroupSize: 256,
  bindings: 2,
};

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
  ${tree(combine)}
  if (t == 0u && valid) { out[o] = ${result}; }
}`,
    workgroupSize: RWG,
    bindings: 2,
  };
});

/**
 * Softmax along the middle axis, one thread per row: the max, the sum of
 * exponentials and the quotients in the order the thread kernels of max,
 * sub, exp, sum and div compute them (so bit for bit that composition, where
 * the backend would sum with one thread per row); params: outputs, n, inner.
 */
export const softmaxThreadKernel: Kernel = {
  code: PARAMS + LINEAR_INDEX + storage(["x"]) + elementwiseMain(`
  let n = p(1u); let inner = p(2u);
  let base = (i / inner) * n * inner + i % inner;
  ${maxAndExpSum("n", (j) => `x[base + ${j} * inner]`)}
  for (var j = 0u; j < n; j++) { out[base + j * inner] = exp(x[base + j * inner] - m) / s; }`),
  workgroupSize: 256,
  bindings: 2,
};

/**
 * The summed negative log-likelihood of the labelled classes (each
 * probability floored at 1e-30) and the count of rows whose first largest
 * probability is the label, as `[loss, hits]`, in one workgroup. The sums
 * over rows follow the reduction the composed ops would use (one thread in
 * order below 64 rows, the workgroup tree from 64), so the loss is bit for
 * bit theirs; labels out of range are clamped like the gather's.
 * Params: rows, classes.
 */
export const nllHitsKernel: Kernel = {
  code: PARAMS + storage(["probs", "labels"]) + /* wgsl */ `
var<workgroup> vals: array<f32, ${RWG}>;
var<workgroup> hits: array<f32, ${RWG}>;
@compute @workgroup_size(${RWG})
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  let rows = p(0u); let classes = p(1u); let t = lid.x;
  let tree = rows >= 64u;
  var acc = 0.0; var hacc = 0.0;
  if (tree || t == 0u) {
    for (var r = select(0u, t, tree); r < rows; r += select(1u, ${RWG}u, tree)) {
      let label = labels[r];
      let truth = min(u32(max(label, 0.0)), classes - 1u);
      acc += log(max(probs[r * classes + truth], 1e-30));
      var best = ${INIT.argmax}; var at = 0u;
      ${scanRow("argmax", "classes", (j) => `probs[r * classes + ${j}]`, "best", "at")}
      hacc += select(0.0, 1.0, f32(at) == label);
    }
  }
  vals[t] = acc; hits[t] = hacc;
  ${tree("vals[t] = vals[t] + vals[t + s]; hits[t] = hits[t] + hits[t + s];")}
  if (t == 0u) { out[0] = -vals[0]; out[1] = hits[0]; }
}`,
  workgroupSize: RWG,
  bindings: 3,
};

/**
 * Softmax cross-entropy against class indices, one thread per row: the
 * row's `log Σ exp(x − m) + m − x[t]` (the label clamped into range as the
 * gather clamps it) and its softmax row for the gradient; params: rows, classes.
 */
export const crossEntropyRowsKernel: Kernel = {
  code: PARAMS + LINEAR_INDEX + storage(["x", "labels"], ["loss", "probs"]) + elementwiseMain(`
  let classes = p(1u); let base = i * classes;
  ${maxAndExpSum("classes", (j) => `x[base + ${j}]`)}
  let t = min(u32(max(labels[i], 0.0)), classes - 1u);
  loss[i] = log(s) + m - x[base + t];
  for (var j = 0u; j < classes; j++) { probs[base + j] = exp(x[base + j] - m) / s; }`),
  workgroupSize: 256,
  bindings: 4,
};

/** Its gradient: `∂x[r, c] = g[r]·(p[r, c] − [c = t_r])`; params: n, classes. */
export const crossEntropyRowsBackwardKernel: Kernel = {
  code: PARAMS + LINEAR_INDEX + storage(["probs", "labels", "g"]) + elementwiseMain(`
  let classes = p(1u); let r = i / classes;
  let t = min(u32(max(labels[r], 0.0)), classes - 1u);
  out[i] = g[r] * (probs[i] - select(0.0, 1.0, i % classes == t));`),
  workgroupSize: 256,
  bindings: 4,
};

/**
 * How many rows have their first largest score at their label (each row's
 * argmax as the thread kernel finds it), in one workgroup; params: rows, classes.
 */
export const argmaxHitsKernel: Kernel = {
  code: PARAMS + storage(["scores", "labels"]) + /* wgsl */ `
var<workgroup> hits: array<f32, ${RWG}>;
@compute @workgroup_size(${RWG})
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  let rows = p(0u); let classes = p(1u); let t = lid.x;
  var count = 0.0;
  for (var r = t; r < rows; r += ${RWG}u) {
    var best = ${INIT.argmax}; var at = 0u;
    ${scanRow("argmax", "classes", (j) => `scores[r * classes + ${j}]`, "best", "at")}
    count += select(0.0, 1.0, f32(at) == labels[r]);
  }
  hits[t] = count;
  ${tree("hits[t] = hits[t] + hits[t + s];")}
  if (t == 0u) { out[0] = hits[0]; }
}`,
  workgroupSize: RWG,
  bindings: 3,
};
