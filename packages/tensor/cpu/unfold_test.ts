// The CPU pooling fast path against the general window loop it replaces.

import assert from "node:assert/strict";
import { Generator } from "../random.ts";
import { unfoldSpec } from "../conv.ts";
import { maxPool2x2, maxPoolWindows } from "./unfold.ts";

Deno.test("2×2 max-pool fast path picks what the general loop picks, ties and NaNs included", () => {
  const g = new Generator(3);
  for (const [h, w] of [[4, 4], [5, 7], [2, 2], [8, 6]]) {
    const s = unfoldSpec("maxPool2d", [2, 3, h, w], { kernel: 2, stride: 2, padValue: -Infinity });
    // few distinct values, so windows tie often; some NaNs
    const x = new Float32Array(s.n * s.c * h * w).map(() => {
      const u = g.uniform();
      return u < 0.08 ? NaN : Math.floor(u * 4);
    });
    const size = s.n * s.c * s.outH * s.outW;
    const [out, at, refOut, refAt] = [0, 0, 0, 0].map(() => new Float32Array(size));
    maxPool2x2(x, s, out, at);
    maxPoolWindows(x, s, refOut, refAt);
    assert.deepEqual([...at], [...refAt], `argmax for ${h}×${w}`);
    assert.deepEqual([...out].map(String), [...refOut].map(String), `values for ${h}×${w}`);
    assert.ok(refOut.some((v) => Number.isNaN(v)), "the data exercise NaN windows");
  }
});
