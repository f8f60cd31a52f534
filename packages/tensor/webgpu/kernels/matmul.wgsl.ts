// WGSL twin of cpu/matmul.ts: batched C[b] = op(A[b]) · op(B[b]) with shared-memory tiles.
//
// Each 16×16 workgroup computes a 64×64 block of C, each thread a 4×4
// register tile, stepping through K in 16-wide slabs staged in workgroup memory.
// Params: m, n, k, strideA, strideB, batchOffset.

import { type Kernel, PARAMS, storage } from "./_common.ts";

const TILE = 64, SLAB = 16, PER = 4;

/** Matmul kernel for one combination of transposes. */
export function matmulKernel(transA: boolean, transB: boolean): Kernel {
  // element (row, p) of op(A) and (p, col) of op(B)
  const loadA = transA ? "a[offA + p * M + row]" : "a[offA + row * K + p]";
  const loadB = transB ? "b[offB + col * K + p]" : "b[offB + p * N + col]";
  // map threads so that neighbours read neighbouring addresses of each operand
  const mapA = transA ? "let s = e / 64u; let c = e % 64u;" : "let s = e % 16u; let c = e / 16u;";
  const mapB = transB ? "let s = e % 16u; let c = e / 16u;" : "let s = e / 64u; let c = e % 64u;";
  return {
    code: PARAMS + storage(["a", "b"]) + /* wgsl */ `
var<workgroup> As: array<array<f32, ${TILE}>, ${SLAB}>;
var<workgroup> Bs: array<array<f32, ${TILE}>, ${SLAB}>;

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = p(0u); let N = p(1u); let K = p(2u);
  let batch = wid.z + p(5u);
  let offA = batch * p(3u); let offB = batch * p(4u);
  let rowBase = wid.y * ${TILE}u; let colBase = wid.x * ${TILE}u;
  let t = lid.y * 16u + lid.x;
  var acc: array<array<f32, ${PER}>, ${PER}>;
  for (var k0 = 0u; k0 < K; k0 += ${SLAB}u) {
    // 256 threads stage a 16×64 slab of each operand: 4 loads each
    for (var q = 0u; q < 4u; q++) {
      let e = t + q * 256u;
      {
        ${mapA}
        let p = k0 + s; let row = rowBase + c;
        var v = 0.0;
        if (p < K && row < M) { v = ${loadA}; }
        As[s][c] = v;
      }
      {
        ${mapB}
        let p = k0 + s; let col = colBase + c;
        var v = 0.0;
        if (p < K && col < N) { v = ${loadB}; }
        Bs[s][c] = v;
      }
    }
    workgroupBarrier();
    for (var s = 0u; s < ${SLAB}u; s++) {
      var ar: array<f32, ${PER}>; var br: array<f32, ${PER}>;
      for (var r = 0u; r < ${PER}u; r++) {
        ar[r] = As[s][lid.y * ${PER}u + r];
        br[r] = Bs[s][lid.x * ${PER}u + r];
      }
      for (var r = 0u; r < ${PER}u; r++) {
        for (var c = 0u; c < ${PER}u; c++) { acc[r][c] += ar[r] * br[c]; }
      }
    }
    workgroupBarrier();
  }
  let offC = batch * M * N;
  for (var r = 0u; r < ${PER}u; r++) {
    let row = rowBase + lid.y * ${PER}u + r;
    if (row >= M) { continue; }
    for (var c = 0u; c < ${PER}u; c++) {
      let col = colBase + lid.x * ${PER}u + c;
      if (col < N) { out[offC + row * N + col] = acc[r][c]; }
    }
  }
}`,
    workgroupSize: 256,
    bindings: 3,
  };
}

/** Rows and columns of C that one workgroup covers. */
export const MATMUL_TILE = TILE;
