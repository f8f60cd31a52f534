// WGSL twins of cpu/batch_norm.ts. Statistics and parameter gradients: one
// workgroup per channel reducing over N·inner values in shared memory; the
// normalisation and the input gradient: one thread per element.
// Params: n, c, inner, eps (statistics) / count, c, inner (element-wise).

import { elementwiseMain, type Kernel, LINEAR_INDEX, PARAMS, storage } from "./_common.ts";

const WG = 256;

const REDUCE = /* wgsl */ `
var<workgroup> s0: array<f32, ${WG}>;
var<workgroup> s1: array<f32, ${WG}>;
fn reduce2(t: u32) {
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
    if (t < s) { s0[t] += s0[t + s]; s1[t] += s1[t + s]; }
    workgroupBarrier();
  }
}`;

/** Per channel: mean and invstd (bindings: x, mean, invstd). */
export const batchNormStatsKernel: Kernel = {
  code: PARAMS + REDUCE + storage(["x"], ["mean", "invstd"]) + /* wgsl */ `
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let ch = wid.x; let t = lid.x;
  let N = p(0u); let C = p(1u); let inner = p(2u); let M = N * inner;
  var sum = 0.0;
  for (var k = t; k < M; k += ${WG}u) { sum += x[((k / inner) * C + ch) * inner + k % inner]; }
  s0[t] = sum; s1[t] = 0.0;
  reduce2(t);
  let mu = s0[0] / f32(M);
  workgroupBarrier();
  var sq = 0.0;
  for (var k = t; k < M; k += ${WG}u) { let d = x[((k / inner) * C + ch) * inner + k % inner] - mu; sq += d * d; }
  s0[t] = sq; s1[t] = 0.0;
  reduce2(t);
  if (t == 0u) { mean[ch] = mu; invstd[ch] = inverseSqrt(s0[0] / f32(M) + pf(3u)); }
}`,
  workgroupSize: WG,
  bindings: 3,
};

/** y = (x − mean)·invstd·weight + bias (bindings: x, mean, invstd, weight, bias, y). */
export const batchNormApplyKernel: Kernel = {
  code: PARAMS + LINEAR_INDEX + storage(["x", "mean", "invstd", "weight", "bias"]) +
    elementwiseMain(`
  let ch = (i / p(2u)) % p(1u);
  out[i] = (x[i] - mean[ch]) * invstd[ch] * weight[ch] + bias[ch];`),
  workgroupSize: 256,
  bindings: 6,
};

/** Per channel: Σg and Σg·x̂ (bindings: g, x, mean, invstd, dweight, dbias). */
export const batchNormGradSumsKernel: Kernel = {
  code: PARAMS + REDUCE + storage(["g", "x", "mean", "invstd"], ["dweight", "dbias"]) + /* wgsl */ `
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let ch = wid.x; let t = lid.x;
  let N = p(0u); let C = p(1u); let inner = p(2u); let M = N * inner;
  let mu = mean[ch]; let is = invstd[ch];
  var sg = 0.0; var sgx = 0.0;
  for (var k = t; k < M; k += ${WG}u) {
    let at = ((k / inner) * C + ch) * inner + k % inner;
    sg += g[at]; sgx += g[at] * (x[at] - mu) * is;
  }
  s0[t] = sg; s1[t] = sgx;
  reduce2(t);
  if (t == 0u) { dbias[ch] = s0[0]; dweight[ch] = s1[0]; }
}`,
  workgroupSize: WG,
  bindings: 6,
};

/** dx (bindings: g, x, mean, invstd, weight, dweight, dbias, dx); params: count, c, inner, M. */
export const batchNormInputGradKernel: Kernel = {
  code: PARAMS + LINEAR_INDEX +
    storage(["g", "x", "mean", "invstd", "weight", "dweight", "dbias"]) + elementwiseMain(`
  let ch = (i / p(2u)) % p(1u); let M = f32(p(3u));
  let is = invstd[ch];
  out[i] = weight[ch] * is * (g[i] - dbias[ch] / M - (x[i] - mean[ch]) * is * dweight[ch] / M);`),
  workgroupSize: 256,
  bindings: 8,
};
