import assert from "node:assert/strict";
import { tensor } from "./creation.ts";
import { countHits, crossEntropy, nllAndHits } from "./loss.ts";
import { Generator } from "./random.ts";
import type { Tensor } from "./tensor.ts";
import type { WebGpuBackend } from "./webgpu/backend.ts";
import { deviceTest, eachKernelPath } from "./testing.ts";

deviceTest("nllAndHits equals the eight ops it stands for, bit for bit", async (device) => {
  const g = new Generator(13);
  const composed = (p: Tensor, labels: Tensor) => {
    const picked = p.gather(1, labels.unsqueeze(1)).maximum(1e-30).log().sum().neg();
    const hits = p.argmax(1).eq(labels).sum();
    return [picked, hits];
  };
  await eachKernelPath(device, async (path) => {
    // softmax rows of 37 classes; rows with a NaN, a tie (the first wins),
    // a zero probability of the truth (the floor) and an infinity
    const probs = g.fillUniform(new Float32Array(70 * 37)).map((v, i) => v * (1 + (i % 5)));
    const labels = Float32Array.from({ length: 70 }, (_, r) => (r * 7) % 37);
    probs.set([0.5, NaN, 0.5], 0);
    labels[0] = 0;
    probs.set([0.25, 0.25, 0.5], 37);
    labels[1] = 1;
    probs.set([0.9, 0, 0.1], 74);
    labels[2] = 1;
    probs.set([Infinity, 1, 1], 111);
    labels[3] = 0;
    const p = tensor(probs, { shape: [70, 37], device });
    const t = tensor(labels, { device });
    // and 64 and 300 rows: the sums over rows change order at 64 (one thread, then a tree)
    const wide = tensor(g.fillUniform(new Float32Array(300 * 37)), { shape: [300, 37], device });
    const wideLabels = tensor(Float32Array.from({ length: 300 }, (_, r) => (r * 5) % 37), {
      device,
    });
    const cases: [Tensor, Tensor][] = [
      [p, t],
      [p.slice([4], [9]), t.slice([4], [9])],
      [p.slice([6], [70]), t.slice([6], [70])],
      [wide, wideLabels],
    ];
    if (device.supportsFloat64) cases.push([p.cast("float64"), t.cast("float64")]);
    for (const [pp, tt] of cases) {
      const [loss, hits] = await nllAndHits(pp, tt).data();
      const [l, h] = composed(pp, tt);
      const want = [(await l.data())[0], (await h.data())[0]];
      assert.ok(
        Object.is(loss, want[0]),
        `${path} ${pp.shape} ${pp.dtype} loss: ${loss} vs ${want[0]}`,
      );
      assert.equal(hits, want[1], `${path} ${pp.shape} ${pp.dtype} hits`);
    }
    // three classes by hand: a tie (the first class wins: a miss), a zero
    // probability of the truth (floored: −ln 1e-30), a hit; on the CPU also a
    // NaN predicted (a miss: WGSL leaves NaN comparisons to the GPU)
    const rows = [[0.4, 0.4, 0.2], [0.9, 0, 0.1], [0.2, 0.7, 0.1]];
    const truth = [1, 1, 1];
    if (device.name === "cpu") rows.push([0.5, NaN, 0.5]), truth.push(0);
    const small = tensor(rows, { device });
    const [loss4, hits4] = await nllAndHits(small, tensor(truth, { device })).data();
    assert.equal(hits4, 1, path);
    const want4 = -(Math.log(0.4) + Math.log(1e-30) + Math.log(0.7) +
      (device.name === "cpu" ? Math.log(0.5) : 0));
    assert.ok(Math.abs(loss4 - want4) < 1e-4 * want4, `${path}: ${loss4} vs ${want4}`);
  });
});

deviceTest("nllAndHits refuses shapes that do not pair rows with labels", (device) => {
  const p = tensor([[0.5, 0.5], [0.1, 0.9]], { device });
  assert.throws(
    () => nllAndHits(p, tensor([0, 1, 1], { device })),
    /\[N, C\] and class indices \[N\]/,
  );
  assert.throws(() => nllAndHits(p, tensor([[0], [1]], { device })), /got \(2, 2\) and \(2, 1\)/);
  assert.throws(
    () => nllAndHits(tensor([0.5, 0.5], { device }), tensor([0], { device })),
    /\[N, C\]/,
  );
});

Deno.test("nllAndHits names a class index outside the classes on the CPU", () => {
  const p = tensor([[0.5, 0.5], [0.1, 0.9]]);
  assert.throws(() => nllAndHits(p, tensor([0, 2])), /row 1: class index 2 is outside \[0, 2\)/);
  assert.throws(() => nllAndHits(p, tensor([0.5, 1])), /row 0: class index 0.5/);
});

deviceTest(
  "crossEntropy against class indices: loss and gradient by the definition",
  async (device) => {
    // on WebGPU one fused op forward and one backward; on the CPU the composed ops
    const g = new Generator(17);
    const [n, c] = [70, 37];
    const x = g.fillNormal(new Float32Array(n * c)).map((v) => 4 * v);
    x.set([1000, 1000, -1000], 0); // huge logits: the shift by the row maximum
    const t = Float32Array.from({ length: n }, (_, r) => (r * 11) % c);
    const logits = tensor(x, { shape: [n, c], device, requiresGrad: true });
    const before = device.name === "webgpu" ? (device as WebGpuBackend).counters().dispatches : 0;
    const loss = crossEntropy(logits, tensor(t, { device }));
    loss.backward();
    const grad = await logits.grad!.data();
    if (device.name === "webgpu") {
      const used = (device as WebGpuBackend).counters().dispatches - before;
      assert.ok(used <= 10, `${used} dispatches: the fused cross-entropy was not used`);
    }
    let want = 0;
    const wantGrad = new Float64Array(n * c);
    for (let r = 0; r < n; r++) {
      const row = Array.from(x.subarray(r * c, (r + 1) * c));
      const m = Math.max(...row), s = row.reduce((a, v) => a + Math.exp(v - m), 0);
      want += (Math.log(s) + m - row[t[r]]) / n;
      row.forEach((
        v,
        j,
      ) => (wantGrad[r * c + j] = (Math.exp(v - m) / s - (j === t[r] ? 1 : 0)) / n));
    }
    const got = (await loss.data())[0];
    assert.ok(Math.abs(got - want) < 1e-5 * want, `${device.name}: loss ${got} vs ${want}`);
    for (let i = 0; i < n * c; i++) {
      assert.ok(
        Math.abs(grad[i] - wantGrad[i]) < 1e-6,
        `${device.name} ∂[${i}]: ${grad[i]} vs ${wantGrad[i]}`,
      );
    }
  },
);

deviceTest("countHits equals argmax, eq and sum, ties to the first class", async (device) => {
  // on WebGPU one op; rows below and above one workgroup's 256, ties planted
  const g = new Generator(19);
  for (const [n, c] of [[5, 3], [70, 37], [300, 10]]) {
    const x = g.fillNormal(new Float32Array(n * c));
    for (let r = 0; r < n; r += 4) x[r * c + 1] = x[r * c]; // a tie between classes 0 and 1
    const t = Float32Array.from({ length: n }, (_, r) => (r * 7) % c);
    for (let r = 0; r < n; r += 3) {
      // rows whose label is their argmax, so there are hits to count
      let best = 0;
      for (let j = 1; j < c; j++) if (x[r * c + j] > x[r * c + best]) best = j;
      t[r] = best;
    }
    const scores = tensor(x, { shape: [n, c], device }), labels = tensor(t, { device });
    const got = await countHits(scores, labels).data();
    const want = await scores.argmax(1).eq(labels).sum().data();
    assert.equal(got.length, 1);
    assert.equal(got[0], want[0], `${device.name} ${n}×${c}`);
    assert.ok(want[0] >= n / 3, "the case has hits");
  }
  assert.throws(
    () => countHits(tensor([[1, 2]], { device }), tensor([0, 1], { device })),
    /countHits expects scores \[N, C\] and class indices \[N\]/,
  );
});
