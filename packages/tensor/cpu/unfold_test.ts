// The CPU pooling fast path against the general window loop it replaces.

import assert from "node:assert/strict";
import { Generator } from "../random.ts";
import { unfoldSpec } from "../conv.ts";
import {
  fold,
  maxPool2x2,
  maxPoolBackward,
  maxPoolBackwardWindows,
  maxPoolWindows,
  unfold,
} from "./unfold.ts";
import { reduce } from "./reduce.ts";
import { acquire, release } from "./pool.ts";
import { heapArray } from "./wasm_memory.ts";

/** 2×2 pooling of a [2, 3, h, w] input of few distinct values (windows tie often) and some NaNs. */
function pooled(h: number, w: number, g: Generator) {
  const s = unfoldSpec("maxPool2d", [2, 3, h, w], { kernel: 2, stride: 2, padValue: -Infinity });
  const x = new Float32Array(s.n * s.c * h * w).map(() => {
    const u = g.uniform();
    return u < 0.08 ? NaN : Math.floor(u * 4);
  });
  return { s, x };
}

Deno.test("2×2 max-pool fast path picks what the general loop picks, ties and NaNs included", () => {
  const g = new Generator(3);
  for (const [h, w] of [[4, 4], [5, 7], [2, 2], [8, 6]]) {
    const { s, x } = pooled(h, w, g);
    const size = s.n * s.c * s.outH * s.outW;
    const [out, at, refOut, refAt] = [0, 0, 0, 0].map(() => new Float32Array(size));
    maxPool2x2(x, s, out, at);
    maxPoolWindows(x, s, refOut, refAt);
    assert.deepEqual([...at], [...refAt], `argmax for ${h}×${w}`);
    assert.deepEqual([...out].map(String), [...refOut].map(String), `values for ${h}×${w}`);
    assert.ok(refOut.some((v) => Number.isNaN(v)), "the data exercise NaN windows");
  }
});

Deno.test("unfold matches im2col by definition, padding wider than the output included; fold is its adjoint", () => {
  const g = new Generator(4);
  // [N, C, H, W], kernel, stride, padding, dilation
  const cases: [number[], number, number, number, number][] = [
    [[2, 2, 5, 6], 3, 1, 1, 1],
    [[1, 2, 1, 1], 5, 1, 2, 1], // a 1×1 output: the padding is wider than the output
    [[3, 1, 1, 2], 5, 1, 2, 1],
    [[1, 1, 2, 3], 5, 1, 2, 1],
    [[2, 1, 7, 7], 3, 2, 1, 2],
  ];
  for (const [shape, k, stride, padding, dilation] of cases) {
    for (
      const [padValue, batchInner] of [[0, false], [-7, false], [0, true], [-7, true]] as const
    ) {
      const s = {
        ...unfoldSpec("unfold", shape, { kernel: k, stride, padding, dilation, padValue }),
        batchInner,
      };
      const size = s.n * s.c * s.h * s.w, L = s.outH * s.outW, rows = s.c * s.kh * s.kw;
      // in the kernels' heap (their WebAssembly path) and, after, in ordinary memory
      for (
        const x of [heapArray(Math.max(size, 16), false)!.subarray(0, size), new Float32Array(size)]
      ) {
        for (let i = 0; i < size; i++) x[i] = g.uniform(-1, 1);
        const cols = unfold(x, s, "float32");
        for (let b = 0; b < s.n; b++) {
          for (let r = 0; r < rows; r++) {
            const ch = Math.floor(r / (s.kh * s.kw)),
              ky = Math.floor(r / s.kw) % s.kh,
              kx = r % s.kw;
            for (let oy = 0; oy < s.outH; oy++) {
              for (let ox = 0; ox < s.outW; ox++) {
                const y = oy * s.sh - s.ph + ky * s.dh, xx = ox * s.sw - s.pw + kx * s.dw;
                const inside = y >= 0 && y < s.h && xx >= 0 && xx < s.w;
                const want = inside ? x[((b * s.c + ch) * s.h + y) * s.w + xx] : padValue;
                const at = (batchInner ? r * s.n + b : b * rows + r) * L + oy * s.outW + ox;
                assert.equal(cols[at], want, `${shape} k${k} p${padding} inner ${batchInner}`);
              }
            }
          }
        }
        assert.equal(cols.length, s.n * rows * L);
        if (padValue !== 0) continue;
        // ⟨unfold(x), c⟩ = ⟨x, fold(c)⟩
        const c = new Float32Array(cols.length).map(() => g.uniform(-1, 1));
        const back = fold(c, s, "float32");
        let lhs = 0, rhs = 0;
        for (let i = 0; i < cols.length; i++) lhs += cols[i] * c[i];
        for (let i = 0; i < size; i++) rhs += x[i] * back[i];
        assert.ok(
          Math.abs(lhs - rhs) < 1e-4 * (1 + Math.abs(lhs)),
          `adjoint ${shape}: ${lhs} vs ${rhs}`,
        );
      }
    }
  }
});

Deno.test("2×2 max-pool backward fast path gives the general loop's gradient, −0 and NaN included", () => {
  const g = new Generator(5);
  // windows that tile the input (the fast path), and one that leaves a row and a column over
  for (const [h, w] of [[4, 4], [8, 6], [2, 2], [5, 7]]) {
    const { s, x } = pooled(h, w, g);
    const size = s.n * s.c * s.outH * s.outW;
    const out = new Float32Array(size), at = new Float32Array(size);
    maxPool2x2(x, s, out, at);
    const grad = new Float32Array(size).map((_, i) => [-0, NaN, 0][i % 5] ?? g.uniform(-1, 1));
    // the fast path writes every pixel: a reused block's old contents must not show through
    const junk = acquire("float32", x.length, false);
    junk.fill(7);
    release(junk);
    const fast = maxPoolBackward(grad, at, s, "float32");
    const general = maxPoolBackwardWindows(grad, at, s, "float32");
    assert.deepEqual(
      [...fast].map((v) => Object.is(v, -0) ? "-0" : String(v)),
      [
        ...general,
      ].map((v) => Object.is(v, -0) ? "-0" : String(v)),
      `${h}×${w}`,
    );
  }
});

Deno.test("row sums, four rows at a time, are each row's sum in order, whatever the row count", () => {
  const g = new Generator(6);
  for (const [outer, n] of [[1, 5], [3, 7], [4, 1], [5, 33], [9, 1000], [8, 0]]) {
    const x = new Float32Array(outer * n).map(() =>
      g.uniform(-1, 1) * 10 ** Math.floor(g.uniform(-4, 4))
    );
    const out = reduce("sum", x, outer, n, 1, "float32");
    for (let o = 0; o < outer; o++) {
      let acc = 0;
      for (let j = 0; j < n; j++) acc += x[o * n + j];
      assert.ok(Object.is(out[o], Math.fround(acc)), `row ${o} of ${outer}×${n}`);
    }
  }
});
