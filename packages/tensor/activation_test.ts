import assert from "node:assert/strict";
import { oneHot } from "./indexing.ts";
import { randNormal, tensor } from "./creation.ts";
import { logSoftmax, logSumExp } from "./activation.ts";
import { crossEntropy, mseLoss } from "./loss.ts";
import { dropout } from "./dropout.ts";
import { Generator } from "./random.ts";
import { cpuBackend } from "./device.ts";
import { assertClose, deviceTest, eachKernelPath } from "./testing.ts";
import type { Tensor } from "./tensor.ts";

deviceTest("softmax rows are positive and sum to 1, even for huge logits", async (device) => {
  const p = tensor([[1, 2, 3], [1000, 1000, -1000]], { device }).softmax();
  // e^{1,2,3}/Σ = 0.090031, 0.244728, 0.665241
  await assertClose(p, [0.090031, 0.244728, 0.665241, 0.5, 0.5, 0]);
  await assertClose(p.sum(1), [1, 1]);
  await assertClose(logSoftmax(tensor([[1000, 0]], { device })), [0, -1000]);
  await assertClose(logSumExp(tensor([[1000, 1000]], { device })), [1000 + Math.LN2], {
    rtol: 1e-6,
  });
});

deviceTest("cross-entropy from indices equals cross-entropy from one-hot rows", async (device) => {
  const g = new Generator(3);
  const logits = randNormal([6, 5], 0, 2, { generator: g, device });
  const labels = tensor([0, 4, 2, 2, 1, 3], { device });
  const a = await crossEntropy(logits, labels).item();
  const b = await crossEntropy(logits, oneHot(labels, 5)).item();
  assert.ok(Math.abs(a - b) < 1e-5);
  // uniform logits: −ln(1/C)
  await assertClose(
    crossEntropy(tensor([[0, 0, 0, 0]], { device }), tensor([1], { device })),
    Math.log(4),
  );
  await assertClose(
    crossEntropy(tensor([[0, 0], [0, 0]], { device }), tensor([0, 1], { device }), {
      reduction: "sum",
    }),
    2 * Math.LN2,
  );
  assert.throws(
    () => crossEntropy(logits, tensor([1, 2], { device })),
    /expected \[N\] class indices/,
  );
});

deviceTest("mse loss", async (device) => {
  const l = mseLoss(tensor([1, 2, 3], { device }), tensor([1, 0, 0], { device }));
  await assertClose(l, (0 + 4 + 9) / 3);
});

deviceTest("dropout zeroes about p of the elements and rescales the rest", async (device) => {
  const x = tensor(new Float32Array(10000).fill(1), { device });
  const y = await dropout(x, 0.3, { generator: new Generator(4) }).data();
  const zeros = y.filter((v) => v === 0).length;
  assert.ok(Math.abs(zeros / 10000 - 0.3) < 0.02, `${zeros} zeros`);
  assert.ok(y.every((v) => v === 0 || Math.abs(v - 1 / 0.7) < 1e-6));
  await assertClose(dropout(x, 0.3, { training: false }).slice([0], [3]), [1, 1, 1]);
});

deviceTest("a dropout mask is the CPU's bit for bit, and fresh every call", async (device) => {
  const n = 70001, g = new Generator(12);
  const x = tensor(new Float32Array(n).fill(1), { device });
  const onDevice = await dropout(x, 0.3, { generator: g }).data();
  const again = await dropout(x, 0.3, { generator: g }).data();
  const cpuX = tensor(new Float32Array(n).fill(1), { device: cpuBackend() });
  const g2 = new Generator(12);
  // the first element that differs, -1 when none does (a diff of 70,001 elements takes minutes)
  const firstDifference = (a: ArrayLike<number>, b: ArrayLike<number>) =>
    Array.from(a).findIndex((v, i) => !Object.is(v, b[i]));
  assert.equal(firstDifference(onDevice, await dropout(cpuX, 0.3, { generator: g2 }).data()), -1);
  assert.equal(firstDifference(again, await dropout(cpuX, 0.3, { generator: g2 }).data()), -1);
  // independent masks: both kept ≈ 0.49 of the elements; neighbours as unrelated as strangers
  let both = 0, pairs = 0;
  for (let i = 0; i < n; i++) {
    if (onDevice[i] !== 0 && again[i] !== 0) both++;
    if (i > 0 && (onDevice[i] === 0) === (onDevice[i - 1] === 0)) pairs++;
  }
  assert.ok(Math.abs(both / n - 0.49) < 0.01, `both kept: ${both / n}`);
  assert.ok(Math.abs(pairs / (n - 1) - 0.58) < 0.01, `equal neighbours: ${pairs / (n - 1)}`);
});

deviceTest("softmax in one op equals the five ops it stands for, bit for bit", async (device) => {
  const g = new Generator(11);
  const composed = (x: Tensor, axis: number) => {
    const m = x.max(axis, true), z = x.sub(m), e = z.exp(), s = e.sum(axis, true);
    return e.div(s);
  };
  await eachKernelPath(device, async (path) => {
    // rows of 37 (a tail of 1 after groups of four) in and out of the kernels' heap,
    // a softmax down columns (inner > 1), and float64 on the CPU
    const x = randNormal([70, 37], 0, 4, { generator: g, device });
    const specials = [[NaN, 1, 2, 3, 4], [-0, 0, -Infinity, 1, 1], [Infinity, 0, 0, 0, 0]];
    const special = tensor(specials, { device });
    const cases: [Tensor, number][] = [[x, 1], [x, 0], [special, 1], [x.slice([0], [3]), 1]];
    if (device.supportsFloat64) cases.push([x.cast("float64"), 1]);
    for (const [t, axis] of cases) {
      const fused = await t.softmax(axis).data(), expected = await composed(t, axis).data();
      for (let i = 0; i < expected.length; i++) {
        assert.ok(
          Object.is(fused[i], expected[i]),
          `${path} ${t.shape} axis ${axis} ${t.dtype} [${i}]: ${fused[i]} vs ${expected[i]}`,
        );
      }
    }
  });
});
