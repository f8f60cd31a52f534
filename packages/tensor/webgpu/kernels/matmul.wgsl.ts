// WGSL twin of cpu/matmul.ts: batched C[b] = op(A[b]) · op(B[b]), register-tiled.
//
// A workgroup computes a bm×bn block of C; each thread a tm×tn register tile
// held as vec4 accumulators, in groups of four rows and four columns spread
// across the block (thread (x, y) owns rows g·bm/(tm/4) + 4y + 0..3 and the
// like for columns), so that a warp's reads of workgroup memory are
// contiguous 16-byte vectors. K is walked in bk-deep slabs: each thread
// stages four elements of a column of op(A) (of a row of op(B)) as one vec4
// in workgroup memory, k-major with one vec4 of padding per row; the slab's
// global loads are ordered so that neighbouring threads read neighbouring
// addresses of each operand in either orientation. With `prefetch`, the next
// slab is loaded into registers while this one is multiplied.
// The source is generated with every per-thread loop unrolled, so the tiles
// stay in registers.
// Launched over z = matrices of a batch, or = slices of K ("split-K": each z
// multiplies its own stretch of K into its own partial C, which the backend
// sums): the depth each z covers is min(k, kLimit − z·k).
// Params: m, n, k, strideA, strideB, batchOffset (z's first matrix), ldA and
// ldB (row lengths of A and B as stored), kLimit.

import { type Kernel, memoKernel, PARAMS, storage } from "./_common.ts";

/** The shape of a matmul kernel's work: block, slab depth, per-thread tile. */
export interface MatmulTiling {
  /** Rows and columns of C per workgroup. */
  bm: number;
  bn: number;
  /** Depth of the K slab staged in workgroup memory. */
  bk: number;
  /** Rows and columns of C per thread (multiples of 4). */
  tm: number;
  tn: number;
  /** Load the next slab into registers while multiplying this one. */
  prefetch: boolean;
}

/** Tilings by name, for the benchmark that compares them and the tests. */
export const MATMUL_TILINGS: Record<string, MatmulTiling> = {
  "64x64x16-4x4": { bm: 64, bn: 64, bk: 16, tm: 4, tn: 4, prefetch: false },
  "64x64x16-4x4p": { bm: 64, bn: 64, bk: 16, tm: 4, tn: 4, prefetch: true },
  "128x64x16-8x4p": { bm: 128, bn: 64, bk: 16, tm: 8, tn: 4, prefetch: true },
  "64x128x16-4x8p": { bm: 64, bn: 128, bk: 16, tm: 4, tn: 8, prefetch: true },
  "128x128x8-8x8": { bm: 128, bn: 128, bk: 8, tm: 8, tn: 8, prefetch: false },
  "128x128x8-8x8p": { bm: 128, bn: 128, bk: 8, tm: 8, tn: 8, prefetch: true },
  "128x128x16-8x8": { bm: 128, bn: 128, bk: 16, tm: 8, tn: 8, prefetch: false },
  "128x128x16-8x8p": { bm: 128, bn: 128, bk: 16, tm: 8, tn: 8, prefetch: true },
};

/**
 * What a matmul kernel does with each element of the product: store it, add
 * alpha times it into the output (`accumulate`, alpha in parameter word 9),
 * or store it plus a bias read from a third input: one value per row of C
 * (`rowBias`) or per column (`colBias`).
 */
export type MatmulEpilogue = "store" | "accumulate" | "rowBias" | "colBias";

/** Check that a tiling's sizes divide as the generator needs. */
export function checkTiling(t: MatmulTiling): void {
  const threads = (t.bm / t.tm) * (t.bn / t.tn);
  const ok = t.tm % 4 === 0 && t.tn % 4 === 0 && t.bm % t.tm === 0 && t.bn % t.tn === 0 &&
    Number.isInteger(threads) && threads <= 256 && (t.bk * t.bm / 4) % threads === 0 &&
    (t.bk * t.bn / 4) % threads === 0;
  if (!ok) throw new RangeError(`matmul tiling ${JSON.stringify(t)} does not divide evenly`);
}

const variant = memoKernel(
  (
    transA: boolean,
    transB: boolean,
    bm: number,
    bn: number,
    bk: number,
    tm: number,
    tn: number,
    prefetch: boolean,
    epilogue: MatmulEpilogue,
  ): Kernel => {
    const t = { bm, bn, bk, tm, tn, prefetch };
    checkTiling(t);
    return generate(transA, transB, t, epilogue);
  },
);

/**
 * Matmul kernel for one combination of transposes, one tiling and one
 * epilogue (the accumulate and bias epilogues use the same expressions as
 * the in-place axpy and the add kernel, so the same bits as those after a
 * plain product).
 */
export function matmulKernel(
  transA: boolean,
  transB: boolean,
  t: MatmulTiling,
  epilogue: MatmulEpilogue = "store",
): Kernel {
  return variant(transA, transB, t.bm, t.bn, t.bk, t.tm, t.tn, t.prefetch, epilogue);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const comp = ["x", "y", "z", "w"];

function generate(
  transA: boolean,
  transB: boolean,
  t: MatmulTiling,
  epilogue: MatmulEpilogue,
): Kernel {
  const { bm, bn, bk, tm, tn } = t;
  const wx = bn / tn, wy = bm / tm, threads = wx * wy;
  const rg = tm / 4, cg = tn / 4; // vec4 groups per thread
  const sa = bm / 4 + 1, sb = bn / 4 + 1; // padded vec4 row lengths of the slabs
  const cellsA = (bk * bm / 4) / threads, cellsB = (bk * bn / 4) / threads;

  // Cell c of a slab: four consecutive rows of op(A) (columns of op(B)) at
  // one depth. Threads step along the operand's contiguous axis: depth when
  // A is row-major (B column-major), rows of A (columns of B) otherwise.
  interface Operand {
    cells: number;
    cell: (c: string) => string;
    /** Its first row (column) in C, the name for it, its limit. */
    base: string;
    start: string;
    limit: string;
    /** Element (row or column `i`, depth `p`). */
    elem: (i: string, p: string) => string;
    reg: string;
    slab: string;
    quad: string;
    stride: number;
  }
  const operandA: Operand = {
    cells: cellsA,
    cell: (c) =>
      transA
        ? `let mq = ${c} % ${bm / 4}u; let kk = ${c} / ${bm / 4}u;`
        : `let kk = ${c} % ${bk}u; let mq = ${c} / ${bk}u;`,
    base: "rowBase + mq * 4u",
    start: "row",
    limit: "M",
    elem: (row, p) => transA ? `a[offA + ${p} * ldA + ${row}]` : `a[offA + ${row} * ldA + ${p}]`,
    reg: "ra",
    slab: "As",
    quad: "mq",
    stride: sa,
  };
  const operandB: Operand = {
    cells: cellsB,
    cell: (c) =>
      transB
        ? `let kk = ${c} % ${bk}u; let nq = ${c} / ${bk}u;`
        : `let nq = ${c} % ${bn / 4}u; let kk = ${c} / ${bn / 4}u;`,
    base: "colBase + nq * 4u",
    start: "col",
    limit: "N",
    elem: (col, p) => transB ? `b[offB + ${col} * ldB + ${p}]` : `b[offB + ${p} * ldB + ${col}]`,
    reg: "rb",
    slab: "Bs",
    quad: "nq",
    stride: sb,
  };

  // load an operand's cells of slab k0 into its registers, and store them in its slab
  const loadOne = (o: Operand, k0: string) =>
    range(o.cells).map((q) =>
      `{
      let c = t + ${q * threads}u; ${o.cell("c")}
      let p = ${k0} + kk; let ${o.start} = ${o.base};
      var v = vec4<f32>(0.0);
      if (p < K) {
${
        range(4).map((i) =>
          `        if (${o.start} + ${i}u < ${o.limit}) { v.${comp[i]} = ${
            o.elem(`(${o.start} + ${i}u)`, "p")
          }; }`
        ).join("\n")
      }
      }
      ${o.reg}${q} = v;
    }`
    ).join("\n");
  const storeOne = (o: Operand) =>
    range(o.cells).map((q) =>
      `{
      let c = t + ${q * threads}u; ${o.cell("c")}
      ${o.slab}[kk * ${o.stride}u + ${o.quad}] = ${o.reg}${q};
    }`
    ).join("\n");
  const load = (k0: string) => loadOne(operandA, k0) + "\n" + loadOne(operandB, k0);
  const store = storeOne(operandA) + "\n" + storeOne(operandB);

  const multiply = `for (var kk = 0u; kk < ${bk}u; kk++) {
${
    range(rg).map((g) => `      let a${g} = As[kk * ${sa}u + ${g * bm / rg / 4}u + lid.y];`).join(
      "\n",
    )
  }
${
    range(cg).map((h) => `      let b${h} = Bs[kk * ${sb}u + ${h * bn / cg / 4}u + lid.x];`).join(
      "\n",
    )
  }
${
    range(rg).flatMap((g) =>
      range(4).flatMap((i) =>
        range(cg).map((h) =>
          `      acc${g * 4 + i}_${h} = fma(vec4<f32>(a${g}.${comp[i]}), b${h}, acc${
            g * 4 + i
          }_${h});`
        )
      )
    ).join("\n")
  }
    }`;

  // one element of C at `at`, in column col + j of row, per the epilogue
  const put = (at: string, v: string, j: number) => {
    switch (epilogue) {
      case "store":
        return `out[${at}] = ${v};`;
      case "accumulate":
        return `out[${at}] = out[${at}] + pf(9u) * ${v};`;
      case "rowBias":
        return `out[${at}] = ${v} + bias[row];`;
      case "colBias":
        return `out[${at}] = ${v} + bias[col + ${j}u];`;
    }
  };
  const write = range(rg).flatMap((g) =>
    range(4).map((i) => {
      const r = g * 4 + i;
      return `{
    let row = rowBase + ${g * bm / rg}u + lid.y * 4u + ${i}u;
    if (row < M) {
${
        range(cg).map((h) =>
          `      {
        let col = colBase + ${h * bn / cg}u + lid.x * 4u; let at = offC + row * N + col;
        let v = acc${r}_${h};
        if (col + 3u < N) { ${
            range(4).map((j) => put(j === 0 ? "at" : `at + ${j}u`, `v.${comp[j]}`, j)).join(" ")
          } }
        else {
${
            range(4).map((j) =>
              `          if (col + ${j}u < N) { ${put(`at + ${j}u`, `v.${comp[j]}`, j)} }`
            ).join("\n")
          }
        }
      }`
        ).join("\n")
      }
    }
  }`;
    })
  ).join("\n");

  const regs = [
    ...range(cellsA).map((q) => `var ra${q}: vec4<f32>;`),
    ...range(cellsB).map((q) => `var rb${q}: vec4<f32>;`),
    ...range(tm).flatMap((r) => range(cg).map((h) => `var acc${r}_${h} = vec4<f32>(0.0);`)),
  ].join(" ");

  const body = t.prefetch
    ? `${load("0u")}
  for (var k0 = 0u; k0 < K; k0 += ${bk}u) {
    ${store}
    workgroupBarrier();
    if (k0 + ${bk}u < K) {
      ${load(`(k0 + ${bk}u)`)}
    }
    ${multiply}
    workgroupBarrier();
  }`
    : `for (var k0 = 0u; k0 < K; k0 += ${bk}u) {
    ${load("k0")}
    ${store}
    workgroupBarrier();
    ${multiply}
    workgroupBarrier();
  }`;

  return {
    code: PARAMS +
      storage(epilogue === "rowBias" || epilogue === "colBias" ? ["a", "b", "bias"] : ["a", "b"]) +
      /* wgsl */ `
var<workgroup> As: array<vec4<f32>, ${bk * sa}>;
var<workgroup> Bs: array<vec4<f32>, ${bk * sb}>;

@compute @workgroup_size(${wx}, ${wy}, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let batch = wid.z + p(5u);
  let M = p(0u); let N = p(1u); let K = min(p(2u), p(8u) - batch * p(2u));
  let ldA = p(6u); let ldB = p(7u);
  let offA = batch * p(3u); let offB = batch * p(4u); let offC = batch * M * N;
  let rowBase = wid.y * ${bm}u; let colBase = wid.x * ${bn}u;
  let t = lid.y * ${wx}u + lid.x;
  ${regs}
  ${body}
  ${write}
}`,
    workgroupSize: threads,
    bindings: epilogue === "rowBias" || epilogue === "colBias" ? 4 : 3,
  };
}

/**
 * Blocks a product needs before larger tiles pay. Measured on an H200
 * (2026-11-27, 132 multiprocessors): 128×128 tiles won from 256 blocks
 * (2048³ 29.4 against 21.1 TFLOP/s for 64×64), 64×64 tiles below that
 * (1024³ 16.6 against 11.8 for 128×128 and 15.6 for 128×64; conv2 of the
 * benchmark CNN, 64×16384·288, 14.9 against 13.9 for 64×128).
 */
const ENOUGH_BLOCKS = 256;

/**
 * The tiling for a product's shape: the largest block that still gives the
 * GPU enough workgroups and wastes little on blocks past the matrix's edge.
 */
export function chooseTiling(batch: number, m: number, n: number): MatmulTiling {
  for (const name of ["128x128x16-8x8p", "128x64x16-8x4p", "64x128x16-4x8p"]) {
    const t = MATMUL_TILINGS[name];
    const rows = Math.ceil(m / t.bm), cols = Math.ceil(n / t.bn);
    const waste = (rows * t.bm * cols * t.bn) / (m * n) - 1;
    if (batch * rows * cols >= ENOUGH_BLOCKS && waste <= 0.15) return t;
  }
  return MATMUL_TILINGS["64x64x16-4x4p"];
}

/**
 * Slices of K for a product of few blocks and a long K (a convolution's
 * weight gradient sums over every pixel of the batch): enough that blocks
 * times slices reach about 256 workgroups, each slice at least 256 deep and
 * a whole number of slabs. 1 means no split. On an H200 the benchmark CNN's
 * conv1 filter gradient (32×9, K = 65,536: one block) took 0.05 ms in 256
 * slices against about 11 ms whole.
 */
export function splitK(batch: number, blocks: number, k: number, bk: number): number {
  if (batch !== 1 || blocks >= 64 || k < 1024) return 1;
  const slices = Math.min(Math.ceil(k / 256), Math.ceil(256 / blocks));
  return Math.ceil(k / kSlice(k, slices, bk));
}

/** The depth of each slice when K is cut into about `slices`. */
export function kSlice(k: number, slices: number, bk: number): number {
  return Math.ceil(k / slices / bk) * bk;
}
