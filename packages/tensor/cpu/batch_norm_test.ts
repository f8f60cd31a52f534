// The CPU batch-norm kernels (four channels' statistics side by side, the
// WebAssembly elementwise passes) against the plain one-channel loops they
// stand in for: the same float32 bits.

import assert from "node:assert/strict";
import { Generator } from "../random.ts";
import { batchNorm, batchNormBackward } from "./batch_norm.ts";
import { wasmBatchNormGradSums, wasmBatchNormStats } from "./wasm_elementwise.ts";
import { withCpuKernels } from "./kernels.ts";
import { heapArray, wasmEngine } from "./wasm_memory.ts";
import { canSplit, withSplitPasses } from "./_threads_testing.ts";

/** The loops as first written: one channel at a time, each sum in order, in float64. */
function reference(
  x: Float32Array,
  g: Float32Array,
  w: Float32Array,
  bias: Float32Array,
  n: number,
  c: number,
  inner: number,
  eps: number,
) {
  const y = new Float32Array(x.length), dx = new Float32Array(x.length);
  const mean = new Float32Array(c), invstd = new Float32Array(c);
  const dweight = new Float32Array(c), dbias = new Float32Array(c);
  const m = n * inner;
  const runs = (ch: number, f: (o: number) => void) => {
    for (let b = 0; b < n; b++) for (let i = 0; i < inner; i++) f((b * c + ch) * inner + i);
  };
  for (let ch = 0; ch < c; ch++) {
    let sum = 0, sq = 0;
    runs(ch, (o) => (sum += x[o]));
    const mu = sum / m;
    runs(ch, (o) => (sq += (x[o] - mu) * (x[o] - mu)));
    const is = 1 / Math.sqrt(sq / m + eps);
    mean[ch] = mu;
    invstd[ch] = is;
    const scale = is * w[ch], shift = bias[ch] - mu * scale;
    runs(ch, (o) => (y[o] = x[o] * scale + shift));
    // the gradient from the stored (float32) statistics, as the backward kernel gets them
    const mu32 = mean[ch], is32 = invstd[ch];
    let sg = 0, sgx = 0;
    runs(ch, (o) => {
      sg += g[o];
      sgx += g[o] * (x[o] - mu32) * is32;
    });
    dbias[ch] = sg;
    dweight[ch] = sgx;
    const k = w[ch] * is32, a = sg / m, bb = sgx / m;
    runs(ch, (o) => (dx[o] = k * (g[o] - a - (x[o] - mu32) * is32 * bb)));
  }
  return { y, mean, invstd, dx, dweight, dbias };
}

function same(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      assert.fail(`${what}: [${i}] is ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

/** Every kernel path against the loops; `paths` as `withCpuKernels` names them. */
async function checkBatchNorm(paths: readonly ("fast" | "reference")[]): Promise<void> {
  const g = new Generator(15);
  // channel counts around the groups of four, odd and even runs, a single sample;
  // 16 channels and more keep the statistics in the kernels' heap (the gradient's sums there too)
  for (
    const [n, c, inner] of [[4, 6, 9], [2, 8, 16], [3, 3, 1], [1, 5, 7], [5, 4, 2], [3, 17, 5], [
      2,
      32,
      4,
    ]]
  ) {
    const size = n * c * inner;
    // in the kernels' heap (the WebAssembly passes apply) where long enough
    const fill = (k: number, lo: number, hi: number) => {
      const a = k >= 16 ? heapArray(k, false)! : new Float32Array(k);
      for (let i = 0; i < k; i++) a[i] = g.uniform(lo, hi) * (i % 7 === 0 ? 100 : 1);
      return a;
    };
    const x = fill(size, -2, 3), grad = fill(size, -1, 1), w = fill(c, 0.5, 2), b = fill(c, -1, 1);
    const want = reference(x, grad, w, b, n, c, inner, 1e-5);
    for (const path of paths) {
      await withCpuKernels(path, () => {
        const what = `[${n}, ${c}, ${inner}] ${path}`;
        const f = batchNorm(x, w, b, n, c, inner, 1e-5, "float32");
        same(f.y, want.y, `y ${what}`);
        same(f.mean, want.mean, `mean ${what}`);
        same(f.invstd, want.invstd, `invstd ${what}`);
        const r = batchNormBackward(grad, x, f.mean, f.invstd, w, n, c, inner, "float32");
        same(r.dx, want.dx, `dx ${what}`);
        same(r.dweight, want.dweight, `dweight ${what}`);
        same(r.dbias, want.dbias, `dbias ${what}`);
        return Promise.resolve();
      });
    }
  }
}

Deno.test("CPU batch norm gives the one-channel loops' bits, on every kernel path", async () => {
  await checkBatchNorm(["fast", "reference"]);
});

Deno.test({
  name: "CPU batch norm gives the same bits with its passes cut between two threads",
  ignore: wasmEngine() === null || !canSplit,
  fn: async () => {
    const expected = ["bn_stats", "bn_grad_sums", "bn_apply_channels", "bn_grad_channels"] as const;
    const cut = await withSplitPasses(() => checkBatchNorm(["fast"]), expected);
    for (const k of expected) assert.ok(cut.has(k), `${k} was never cut in two`);
  },
});

Deno.test({
  name: "the WebAssembly statistics and gradient sums are the loops' float64 values, bit for bit",
  ignore: wasmEngine() === null,
  fn: () => {
    const g = new Generator(16);
    // float32 results hide most float64 differences: compare the sums themselves
    for (const [n, c, inner] of [[3, 21, 7], [2, 32, 16], [4, 17, 1]]) {
      const size = n * c * inner, m = n * inner;
      const fill = (k: number) => {
        const a = heapArray(Math.max(k, 16), false)!.subarray(0, k);
        for (let i = 0; i < k; i++) a[i] = g.uniform(-2, 3) * (i % 5 === 0 ? 1e3 : 1);
        return a;
      };
      const x = fill(size), grad = fill(size), mean = fill(c), invstd = fill(c);
      const stats = Float64Array.from(wasmBatchNormStats(x, n, c, inner)!.subarray(0, 2 * c));
      const sums = wasmBatchNormGradSums(grad, x, mean, invstd, n, c, inner)!;
      for (let ch = 0; ch < c; ch++) {
        let s = 0, q = 0, sg = 0, sgx = 0;
        const runs = (f: (o: number) => void) => {
          for (let b = 0; b < n; b++) for (let i = 0; i < inner; i++) f((b * c + ch) * inner + i);
        };
        runs((o) => (s += x[o]));
        const mu = s / m;
        runs((o) => (q += (x[o] - mu) * (x[o] - mu)));
        runs((o) => {
          sg += grad[o];
          sgx += grad[o] * (x[o] - mean[ch]) * invstd[ch];
        });
        const what = `[${n}, ${c}, ${inner}] channel ${ch}`;
        same([stats[2 * ch], stats[2 * ch + 1]], [mu, q / m], `mean and variance ${what}`);
        same([sums[2 * ch], sums[2 * ch + 1]], [sg, sgx], `gradient sums ${what}`);
      }
    }
  },
});
