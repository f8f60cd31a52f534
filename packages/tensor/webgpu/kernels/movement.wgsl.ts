// WGSL twins of cpu/movement.ts: strided copy, pad, concat (one piece per dispatch),
// gather and scatter-add.

import {
  elementwiseMain,
  type Kernel,
  LINEAR_INDEX,
  MAX_RANK,
  PARAMS,
  storage,
  stridedOffsets,
} from "./_common.ts";

/** `out[i] = x[offset + Σ c_d·stride_d]`; params: n, rank, extents, out strides, x strides, offset. */
export const copyStridedKernel: Kernel = {
  code: PARAMS + LINEAR_INDEX + storage(["x"]) + elementwiseMain(`${stridedOffsets(2)}
  out[i] = x[off1 + p(${2 + 3 * MAX_RANK}u)];`),
  workgroupSize: 256,
  bindings: 2,
};

/**
 * Constant padding. params: n, rank, out extents, (unused), in strides,
 * before[rank] at 2+3·MAX_RANK, in extents at 2+4·MAX_RANK, value at 2+5·MAX_RANK.
 */
export const padKernel: Kernel = {
  code: PARAMS + LINEAR_INDEX + storage(["x"]) + elementwiseMain(`
  var rest = i;
  let rank = p(1u);
  var off = 0u;
  var inside = true;
  for (var dd = 0u; dd < rank; dd++) {
    let d = rank - 1u - dd;
    let extent = p(2u + d);
    let c = rest % extent;
    rest = rest / extent;
    let before = p(${2 + 3 * MAX_RANK}u + d);
    let size = p(${2 + 4 * MAX_RANK}u + d);
    if (c < before || c >= before + size) { inside = false; }
    off += (c - before) * p(${2 + 2 * MAX_RANK}u + d);
  }
  var v = pf(${2 + 5 * MAX_RANK}u);
  if (inside) { v = x[off]; }
  out[i] = v;`),
  workgroupSize: 256,
  bindings: 2,
};

/** Copy one `[outer, size, inner]` piece into `[outer, total, inner]` at `at`; params: n, size·inner, total·inner, at·inner. */
export const concatPieceKernel: Kernel = {
  code: PARAMS + LINEAR_INDEX + storage(["x"]) + elementwiseMain(`
  let piece = p(1u);
  let o = i / piece; let j = i % piece;
  out[o * p(2u) + p(3u) + j] = x[i];`),
  workgroupSize: 256,
  bindings: 2,
};

/** `out[o,j,i] = x[o, idx[o,j,i], i]`; params: n, n_axis, k, inner. */
export const gatherKernel: Kernel = {
  code: PARAMS + LINEAR_INDEX + storage(["x", "idx"]) + elementwiseMain(`
  let nAxis = p(1u); let k = p(2u); let inner = p(3u);
  let o = i / (k * inner); let r = i % inner;
  let t = min(u32(max(idx[i], 0.0)), nAxis - 1u);
  out[i] = x[(o * nAxis + t) * inner + r];`),
  workgroupSize: 256,
  bindings: 3,
};

/** One-hot rows: `out[r, c] = (idx[r] == c)`; params: n, classes. */
export const oneHotKernel: Kernel = {
  code: PARAMS + LINEAR_INDEX + storage(["idx"]) + elementwiseMain(`
  let classes = p(1u);
  out[i] = select(0.0, 1.0, idx[i / classes] == f32(i % classes));`),
  workgroupSize: 256,
  bindings: 2,
};

/** `out[o,j,i] = x[o, positions[j], i]`; params: n, n_axis, k, inner. */
export const takeKernel: Kernel = {
  code: PARAMS + LINEAR_INDEX + storage(["x", "positions"]) + elementwiseMain(`
  let nAxis = p(1u); let k = p(2u); let inner = p(3u);
  let o = i / (k * inner); let j = (i / inner) % k; let r = i % inner;
  let t = min(u32(max(positions[j], 0.0)), nAxis - 1u);
  out[i] = x[(o * nAxis + t) * inner + r];`),
  workgroupSize: 256,
  bindings: 3,
};

/** `out[o,t,i] = Σ_{j: idx[o,j,i]=t} g[o,j,i]` without atomics; params: n, n_axis, k, inner. */
export const scatterAddKernel: Kernel = {
  code: PARAMS + LINEAR_INDEX + storage(["g", "idx"]) + elementwiseMain(`
  let nAxis = p(1u); let k = p(2u); let inner = p(3u);
  let o = i / (nAxis * inner); let t = (i / inner) % nAxis; let r = i % inner;
  var acc = 0.0;
  for (var j = 0u; j < k; j++) {
    let at = (o * k + j) * inner + r;
    if (u32(idx[at]) == t && idx[at] >= 0.0) { acc += g[at]; }
  }
  out[i] = acc;`),
  workgroupSize: 256,
  bindings: 3,
};
