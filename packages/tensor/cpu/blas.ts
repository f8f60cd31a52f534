// The optional fast path: a system BLAS (OpenBLAS, Accelerate, any library
// with the CBLAS interface) called through Deno's FFI. Where one is
// installed and FFI is allowed, matrix products run there: its kernels use
// the full vector width of the CPU (AVX2/AVX-512), which WebAssembly's 128-bit
// SIMD cannot. Everywhere else the WebAssembly and TypeScript kernels serve.
//
// RECOGNIZE_BLAS=0 turns it off; RECOGNIZE_BLAS=/path/to/lib names the library.
//
// OpenBLAS runs the kernels of the CPU model it detects, or of the one
// OPENBLAS_CORETYPE names; the benchmarks report which (`core`).

import type { MatmulSpec } from "../backend.ts";
import type { TypedArray } from "../dtype.ts";
import { parkHelper } from "./wasm_threads.ts";

const ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;

const GEMM_PARAMETERS = [
  "i32", // order
  "i32", // transA
  "i32", // transB
  "i32", // m
  "i32", // n
  "i32", // k
  "f64", // alpha (f32 for sgemm: set below)
  "buffer", // A
  "i32", // lda
  "buffer", // B
  "i32", // ldb
  "f64", // beta
  "buffer", // C
  "i32", // ldc
] as const;

const SYMBOLS = {
  cblas_sgemm: {
    parameters: GEMM_PARAMETERS.map((p) => p === "f64" ? "f32" : p) as Deno.NativeType[],
    result: "void",
  },
  cblas_dgemm: { parameters: [...GEMM_PARAMETERS] as Deno.NativeType[], result: "void" },
  // OpenBLAS only: its thread count, set per product (matmul.ts), and its kernels
  openblas_set_num_threads: { parameters: ["i32"], result: "void", optional: true },
  openblas_get_num_threads: { parameters: [], result: "i32", optional: true },
  openblas_get_corename: { parameters: [], result: "pointer", optional: true },
} as const satisfies Deno.ForeignLibraryInterface;

type Gemm = (
  order: number,
  transA: number,
  transB: number,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: TypedArray,
  lda: number,
  b: TypedArray,
  ldb: number,
  beta: number,
  c: TypedArray,
  ldc: number,
) => void;

/** A loaded BLAS. */
export interface Blas {
  /** The library's file. */
  path: string;
  /** The CPU model whose kernels OpenBLAS runs (`Haswell`, `SkylakeX`), or "" for other libraries. */
  core: string;
  sgemm: Gemm;
  dgemm: Gemm;
  /** Set the thread count before a product (OpenBLAS; a no-op elsewhere). */
  threads(n: "one" | "all"): void;
}

const CANDIDATES = [
  "libopenblas.so.0",
  "libopenblas.so",
  "libcblas.so.3",
  "libblas.so.3",
  "/System/Library/Frameworks/Accelerate.framework/Accelerate",
  "libopenblas.dylib",
  "libopenblas.dll",
];

let blas: Blas | null | undefined;
let blasError = "";

/**
 * OpenBLAS's threads spin for 2^t cycles after a product before they sleep;
 * at its default t = 28 (about 0.1 s here) its second thread keeps a core
 * from the kernels' helper thread between products, and three threads then
 * share two cores: the benchmark CNN's step took 18.9-29.6 ms over ten runs,
 * three of them in a slow mode where most hand-offs to the helper were taken
 * back, against 20.0-20.9 ms over sixteen with t = 18 or 22. Below 20 the
 * MLP's closely spaced products pay for waking the threads (t = 16: its
 * epoch 41 → 53 ms). 22 (about 1.6 ms); a user's own setting wins.
 */
const OPENBLAS_THREAD_TIMEOUT = "22";

/** Open the library with `env` set for its start-up only (OpenBLAS reads its settings then). */
function dlopenWith(
  path: string,
  env: Record<string, string>,
): Deno.DynamicLibrary<typeof SYMBOLS> {
  const added: string[] = [];
  try {
    for (const [k, v] of Object.entries(env)) {
      if (Deno.env.get(k) !== undefined) continue;
      Deno.env.set(k, v);
      added.push(k);
    }
  } catch { /* no env permission: the library's defaults */ }
  try {
    return Deno.dlopen(path, SYMBOLS);
  } finally {
    // child processes (NumPy or PyTorch in the benchmarks) see the environment as it was
    for (const k of added) Deno.env.delete(k);
  }
}

function open(path: string): Blas {
  const lib = dlopenWith(path, { OPENBLAS_THREAD_TIMEOUT });
  // Close the library when the program (or this worker, or this `deno test`
  // module) ends, so that OpenBLAS stops its threads and frees its buffers
  // then, and not while the runtime tears down: there, alongside WebGPU's
  // teardown, it corrupted the C heap at exit ("corrupted size vs.
  // prev_size", "double free"): 3 of 8 test runs before, none of 20 after
  // (WebGPU's own teardown still does at times); keeping it loaded to the
  // very end made it 7 of 10. Products after that take the WebAssembly kernels.
  globalThis.addEventListener?.("unload", () => {
    blas = null;
    blasError = "closed when the program ended";
    lib.close();
  }, { once: true });
  const set = lib.symbols.openblas_set_num_threads, get = lib.symbols.openblas_get_num_threads;
  const all = get ? get() : 1;
  let now = all;
  const name = lib.symbols.openblas_get_corename?.();
  return {
    path,
    core: name ? Deno.UnsafePointerView.getCString(name) : "",
    sgemm: lib.symbols.cblas_sgemm as unknown as Gemm,
    dgemm: lib.symbols.cblas_dgemm as unknown as Gemm,
    threads(n) {
      const want = n === "one" ? 1 : all;
      if (set && want !== now) set(now = want);
    },
  };
}

function load(): Blas | null {
  let wanted: string | undefined;
  try {
    wanted = Deno.env.get("RECOGNIZE_BLAS");
  } catch { /* no env permission: look for the usual libraries */ }
  if (wanted === "0") {
    blasError = "turned off (RECOGNIZE_BLAS=0)";
    return null;
  }
  if (typeof Deno === "undefined" || typeof Deno.dlopen !== "function") {
    blasError = "no FFI in this runtime";
    return null;
  }
  const errors: string[] = [];
  for (const path of wanted ? [wanted] : CANDIDATES) {
    try {
      return open(path);
    } catch (e) {
      errors.push(`${path}: ${(e as Error).message.split("\n")[0]}`);
      // without FFI permission every attempt fails alike: say so once
      if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) break;
    }
  }
  blasError = errors.join("; ");
  return null;
}

/** The system BLAS, or null (see {@link blasUnavailableReason}). */
export function systemBlas(): Blas | null {
  if (blas === undefined) blas = load();
  return blas;
}

/** Why no system BLAS is used ("" when one is). */
export function blasUnavailableReason(): string {
  systemBlas();
  return blasError;
}

/**
 * `out[batch, m, n] = op(A[b]) · op(B[b])` through the system BLAS.
 *
 * @param lib The library.
 * @param a A's elements.
 * @param b B's elements.
 * @param spec The product.
 * @param out The result (`batch·m·n`): overwritten, or with `beta` 1 added to.
 * @param alpha The product's scale.
 * @param beta 0 overwrites `out`, 1 adds to it.
 * @param threads All the library's threads, or one (the caller decides: matmul.ts).
 */
export function blasMatmul(
  lib: Blas,
  a: TypedArray,
  b: TypedArray,
  spec: MatmulSpec,
  out: TypedArray,
  alpha = 1,
  beta: 0 | 1 = 0,
  threads: "one" | "all" = "one",
): void {
  const { batch, m, n, k } = spec;
  if (m === 0 || n === 0) return;
  if (k === 0) {
    if (beta === 0) out.fill(0);
    return;
  }
  const gemm = out instanceof Float64Array ? lib.dgemm : lib.sgemm;
  lib.threads(threads);
  // OpenBLAS's second thread needs the core the kernels' helper spins on
  if (threads === "all") parkHelper();
  const lda = spec.transA ? m : k, ldb = spec.transB ? k : n;
  const ta = spec.transA ? TRANS : NO_TRANS, tb = spec.transB ? TRANS : NO_TRANS;
  for (let z = 0; z < batch; z++) {
    gemm(
      ROW_MAJOR,
      ta,
      tb,
      m,
      n,
      k,
      alpha,
      a.subarray(z * spec.strideA, z * spec.strideA + m * k),
      lda,
      b.subarray(z * spec.strideB, z * spec.strideB + k * n),
      ldb,
      beta,
      out.subarray(z * m * n, (z + 1) * m * n),
      n,
    );
  }
}
