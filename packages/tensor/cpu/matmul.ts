// CPU twin of the matmul kernel: the plain TypeScript reference that every
// faster path (a system BLAS, the WebAssembly kernels) is tested against.
// Register-blocked over four rows of A so each load of B feeds four
// multiply-adds.

import type { DType, TypedArray } from "../dtype.ts";
import { acquire, release } from "./pool.ts";
import { axpyInPlace } from "./elementwise.ts";
import { wasmGemmAvailable, wasmMatmul } from "./wasm_gemm.ts";
import { blasMatmul, systemBlas } from "./blas.ts";
import { cpuKernels } from "./kernels.ts";
import type { MatmulSpec } from "../backend.ts";

/** Products below this many multiply-adds are not worth packing or a foreign call. */
const FAST_MIN_MACS = 16384;

/**
 * OpenBLAS's threads (all of them) from this many multiply-adds, one below.
 * Unlike the WebAssembly helper (wasm_gemm.ts), two OpenBLAS threads pay in
 * training from here: the MLP epoch at batch 32 (products of 2²¹) took
 * 0.056-0.057 s with them and 0.061-0.062 s without, alternating in one
 * sitting; on a day the VM's second core was shared, 0.064 against 0.067.
 * NumPy's OpenBLAS splits the same products. The rule is by size alone
 * because OpenBLAS rounds a product differently on two threads than on one
 * (a third to a half of the elements of the MLP's products differ in the
 * last bit): a choice by timing would make a seeded training differ from
 * run to run.
 */
const BLAS_THREADED_MIN_MACS = 1 << 20;

const blasThreads = (spec: MatmulSpec) =>
  spec.batch * spec.m * spec.n * spec.k >= BLAS_THREADED_MIN_MACS ? "all" : "one";

/** Products large enough for a fast path. */
const worthFast = (spec: MatmulSpec) => spec.m * spec.n * spec.k >= FAST_MIN_MACS;

/** The system BLAS when it is to compute this product, else null. */
const blasFor = (spec: MatmulSpec) =>
  cpuKernels() === "fast" && worthFast(spec) ? systemBlas() : null;

/** Batched `C[b] = op(A[b]) · op(B[b])` into a new `[batch, m, n]` array. */
export function matmul(a: TypedArray, b: TypedArray, spec: MatmulSpec, dtype: DType): TypedArray {
  if (cpuKernels() !== "reference" && worthFast(spec)) {
    const lib = blasFor(spec);
    if (lib) {
      const out = acquire(dtype, spec.batch * spec.m * spec.n, false);
      blasMatmul(lib, a, b, spec, out, 1, 0, blasThreads(spec));
      return out;
    }
    if (dtype === "float32" && wasmGemmAvailable()) {
      const out = acquire(dtype, spec.batch * spec.m * spec.n, false) as Float32Array;
      if (wasmMatmul(a as Float32Array, b as Float32Array, spec, out)) return out;
      release(out); // the kernels' memory is full: the reference serves
    }
  }
  return matmulReference(a, b, spec, dtype);
}

/**
 * `c += alpha · op(A[b])·op(B[b])` in place. The system BLAS adds the product
 * as it makes it; the other paths make the product, then add it.
 */
export function matmulAccumulate(
  c: TypedArray,
  a: TypedArray,
  b: TypedArray,
  spec: MatmulSpec,
  alpha: number,
  dtype: DType,
): void {
  const lib = blasFor(spec);
  if (lib) {
    blasMatmul(lib, a, b, spec, c, alpha, 1, blasThreads(spec));
    return;
  }
  const product = matmul(a, b, spec, dtype);
  axpyInPlace(c, product, alpha);
  release(product);
}

/** The plain TypeScript matmul: the reference every fast path is tested against. */
export function matmulReference(
  a: TypedArray,
  b: TypedArray,
  spec: MatmulSpec,
  dtype: DType,
): TypedArray {
  const { batch, m, n, k } = spec;
  const c = acquire(dtype, batch * m * n);
  let bt: TypedArray | null = null;
  for (let z = 0; z < batch; z++) {
    const aOff = z * spec.strideA, bOff = z * spec.strideB, cOff = z * m * n;
    if (spec.transA && spec.transB) {
      // Aᵀ·Bᵀ: transpose this B ([n, k] → [k, n]) once, then use the Aᵀ·B loop.
      bt ??= acquire(dtype, k * n);
      for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) bt[p * n + j] = b[bOff + j * k + p];
      gemmTN(m, n, k, a, aOff, bt, 0, c, cOff);
    } else if (spec.transA) gemmTN(m, n, k, a, aOff, b, bOff, c, cOff);
    else if (spec.transB) gemmNT(m, n, k, a, aOff, b, bOff, c, cOff);
    else gemmNN(m, n, k, a, aOff, b, bOff, c, cOff);
  }
  if (bt) release(bt);
  return c;
}

/** C[m,n] += A[m,k] · B[k,n]. */
export function gemmNN(
  m: number,
  n: number,
  k: number,
  a: TypedArray,
  aOff: number,
  b: TypedArray,
  bOff: number,
  c: TypedArray,
  cOff: number,
): void {
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const c0 = cOff + i * n, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n;
    const r0 = aOff + i * k, r1 = r0 + k, r2 = r1 + k, r3 = r2 + k;
    for (let p = 0; p < k; p++) {
      const a0 = a[r0 + p], a1 = a[r1 + p], a2 = a[r2 + p], a3 = a[r3 + p];
      const bp = bOff + p * n;
      for (let j = 0; j < n; j++) {
        const v = b[bp + j];
        c[c0 + j] += a0 * v;
        c[c1 + j] += a1 * v;
        c[c2 + j] += a2 * v;
        c[c3 + j] += a3 * v;
      }
    }
  }
  for (; i < m; i++) {
    const c0 = cOff + i * n, r0 = aOff + i * k;
    for (let p = 0; p < k; p++) {
      const a0 = a[r0 + p], bp = bOff + p * n;
      for (let j = 0; j < n; j++) c[c0 + j] += a0 * b[bp + j];
    }
  }
}

/** C[m,n] += A[m,k] · B[n,k]ᵀ: rows of both operands are contiguous, so dot products. */
export function gemmNT(
  m: number,
  n: number,
  k: number,
  a: TypedArray,
  aOff: number,
  b: TypedArray,
  bOff: number,
  c: TypedArray,
  cOff: number,
): void {
  for (let i = 0; i < m; i++) {
    const ra = aOff + i * k;
    for (let j = 0; j < n; j++) {
      const rb = bOff + j * k;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, p = 0;
      for (; p + 4 <= k; p += 4) {
        s0 += a[ra + p] * b[rb + p];
        s1 += a[ra + p + 1] * b[rb + p + 1];
        s2 += a[ra + p + 2] * b[rb + p + 2];
        s3 += a[ra + p + 3] * b[rb + p + 3];
      }
      for (; p < k; p++) s0 += a[ra + p] * b[rb + p];
      c[cOff + i * n + j] += s0 + s1 + s2 + s3;
    }
  }
}

/** C[m,n] += A[k,m]ᵀ · B[k,n]. */
export function gemmTN(
  m: number,
  n: number,
  k: number,
  a: TypedArray,
  aOff: number,
  b: TypedArray,
  bOff: number,
  c: TypedArray,
  cOff: number,
): void {
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const c0 = cOff + i * n, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n;
    for (let p = 0; p < k; p++) {
      const ap = aOff + p * m + i;
      const a0 = a[ap], a1 = a[ap + 1], a2 = a[ap + 2], a3 = a[ap + 3];
      const bp = bOff + p * n;
      for (let j = 0; j < n; j++) {
        const v = b[bp + j];
        c[c0 + j] += a0 * v;
        c[c1 + j] += a1 * v;
        c[c2 + j] += a2 * v;
        c[c3 + j] += a3 * v;
      }
    }
  }
  for (; i < m; i++) {
    const c0 = cOff + i * n;
    for (let p = 0; p < k; p++) {
      const a0 = a[aOff + p * m + i], bp = bOff + p * n;
      for (let j = 0; j < n; j++) c[c0 + j] += a0 * b[bp + j];
    }
  }
}
