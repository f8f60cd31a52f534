import assert from "node:assert/strict";
import { randNormal, tensor } from "./creation.ts";
import { conv2d, fold, unfold, windowCount } from "./conv.ts";
import { adaptiveAvgPool2d, avgPool2d, maxPool2d } from "./pool.ts";
import { Generator } from "./random.ts";
import { assertClose, deviceTest } from "./testing.ts";

const grid = (n: number, device: Parameters<Parameters<typeof deviceTest>[1]>[0]) =>
  tensor(Array.from({ length: n * n }, (_, i) => i + 1), { shape: [1, 1, n, n], device });

deviceTest("conv2d of 1…9 with a 2×2 box filter, plain and padded/strided", async (device) => {
  const ones = tensor([1, 1, 1, 1], { shape: [1, 1, 2, 2], device });
  // windows of [1 2 3; 4 5 6; 7 8 9]: 1+2+4+5 = 12, 16, 24, 28
  await assertClose(conv2d(grid(3, device), ones), [12, 16, 24, 28]);
  // padding 1, stride 2: windows start at (−1,−1), (−1,1), (1,−1), (1,1): 1, 2+3, 4+7, 5+6+8+9
  await assertClose(conv2d(grid(3, device), ones, null, { padding: 1, stride: 2 }), [1, 5, 11, 28]);
  const bias = tensor([0.5], { device });
  await assertClose(conv2d(grid(3, device), ones, bias), [12.5, 16.5, 24.5, 28.5]);
});

/** Direct convolution by the definition, in float64. */
function directConv(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  [n, c, h, wd]: number[],
  [o, , kh, kw]: number[],
  s: number,
  p: number,
  d: number,
) {
  const oh = Math.floor((h + 2 * p - d * (kh - 1) - 1) / s) + 1;
  const ow = Math.floor((wd + 2 * p - d * (kw - 1) - 1) / s) + 1;
  const out = new Float64Array(n * o * oh * ow);
  for (let b = 0; b < n; b++) {
    for (let f = 0; f < o; f++) {
      for (let y = 0; y < oh; y++) {
        for (let xx = 0; xx < ow; xx++) {
          let acc = 0;
          for (let ch = 0; ch < c; ch++) {
            for (let ky = 0; ky < kh; ky++) {
              for (let kx = 0; kx < kw; kx++) {
                const iy = y * s - p + ky * d, ix = xx * s - p + kx * d;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                acc += x[((b * c + ch) * h + iy) * wd + ix] * w[((f * c + ch) * kh + ky) * kw + kx];
              }
            }
          }
          out[((b * o + f) * oh + y) * ow + xx] = acc;
        }
      }
    }
  }
  return out;
}

deviceTest(
  "conv2d matches the definition with channels, stride, padding, dilation",
  async (device) => {
    const g = new Generator(11);
    for (const [s, p, d] of [[1, 0, 1], [2, 1, 1], [1, 2, 2], [3, 1, 1]]) {
      const xs = [2, 3, 9, 8], ws = [4, 3, 3, 3];
      const x = randNormal(xs, 0, 1, { generator: g, device });
      const w = randNormal(ws, 0, 1, { generator: g, device });
      const y = conv2d(x, w, null, { stride: s, padding: p, dilation: d });
      const expected = directConv(await x.data(), await w.data(), xs, ws, s, p, d);
      await assertClose(y, expected, { atol: 1e-4 }, `stride ${s} padding ${p} dilation ${d}`);
    }
    // 1×1 convolutions take the reshape path
    const x = randNormal([2, 3, 4, 4], 0, 1, { generator: g, device });
    const w = randNormal([5, 3, 1, 1], 0, 1, { generator: g, device });
    await assertClose(
      conv2d(x, w),
      directConv(await x.data(), await w.data(), [2, 3, 4, 4], [5, 3, 1, 1], 1, 0, 1),
      {
        atol: 1e-4,
      },
    );
  },
);

deviceTest("conv2d rejects channel mismatches with both shapes", (device) => {
  const x = randNormal([1, 3, 5, 5], 0, 1, { device }),
    w = randNormal([2, 4, 3, 3], 0, 1, { device });
  assert.throws(() => conv2d(x, w), /\(1, 3, 5, 5\).*\(2, 4, 3, 3\)/);
});

deviceTest("fold is the adjoint of unfold: ⟨unfold x, c⟩ = ⟨x, fold c⟩", async (device) => {
  const g = new Generator(12);
  const opts = {
    kernel: [3, 2] as [number, number],
    stride: [2, 1] as [number, number],
    padding: 1,
  };
  const x = randNormal([2, 2, 5, 4], 0, 1, { generator: g, device });
  const cols = unfold(x, opts);
  const c = randNormal(cols.shape, 0, 1, { generator: g, device });
  const lhs = await cols.mul(c).sum().item();
  const rhs = await x.mul(fold(c, [5, 4], opts)).sum().item();
  assert.ok(Math.abs(lhs - rhs) < 1e-3 * Math.max(1, Math.abs(lhs)), `${lhs} vs ${rhs}`);
});

deviceTest("max-pool and avg-pool with ceilMode on 0…15", async (device) => {
  const x = tensor(Array.from({ length: 16 }, (_, i) => i), { shape: [1, 1, 4, 4], device });
  await assertClose(maxPool2d(x, 3, { stride: 2 }), [10]);
  // ceil mode adds the windows at column 2 and row 2, cut off by the border
  await assertClose(maxPool2d(x, 3, { stride: 2, ceilMode: true }), [10, 11, 14, 15]);
  // divisors 9, 3·2, 2·3, 2·2 (the border cuts the window; nothing is padded)
  await assertClose(avgPool2d(x, 3, { stride: 2, ceilMode: true }), [5, 6.5, 11, 12.5]);
  await assertClose(maxPool2d(x, 2), [5, 7, 13, 15]);
  // padding counts towards the divisor by default: the top-left window holds only x[0,0] = 0… and 1, 4, 5
  await assertClose(avgPool2d(x, 2, { stride: 2, padding: 1 }).slice([0, 0, 0, 0], [1, 1, 1, 2]), [
    0,
    0.75,
  ]);
  await assertClose(
    avgPool2d(x, 2, { stride: 2, padding: 1, countIncludePad: false }).slice([0, 0, 0, 0], [
      1,
      1,
      1,
      2,
    ]),
    [0, 1.5],
  );
});

deviceTest("adaptive average pooling uses PyTorch's overlapping windows", async (device) => {
  const x = tensor(Array.from({ length: 25 }, (_, i) => i), { shape: [1, 1, 5, 5], device });
  // 5 → 2: rows/cols [0,3) and [2,5); window means are 5·mean(rows) + mean(cols)
  await assertClose(adaptiveAvgPool2d(x, 2), [6, 8, 16, 18]);
  await assertClose(adaptiveAvgPool2d(x, 1), [12]);
});

Deno.test("windowCount follows PyTorch, including ceil mode's last-window rule", () => {
  assert.equal(windowCount(4, 3, 2, 0, 1, false), 1);
  assert.equal(windowCount(4, 3, 2, 0, 1, true), 2);
  // SqueezeNet: 111 → 55 with k3 s2 ceil
  assert.equal(windowCount(111, 3, 2, 0, 1, true), 55);
  // the last window would start in the right padding only: dropped
  assert.equal(windowCount(5, 2, 2, 1, 1, true), 3);
});
