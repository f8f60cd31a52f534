// The hand-written layers against an independent implementation: the
// tensor package's autograd computes the same network's gradients.

import assert from "node:assert/strict";
import { crossEntropy, Generator, randNormal, tensor } from "@recognize/tensor";
import { assertClose, deviceTest } from "@recognize/tensor/testing";
import { backwards, forward, initializeWeights } from "./layer.ts";
import { LINEAR, RELU, SIGMOID, SOFTMAX } from "./activations.ts";
import { Params } from "./params.ts";
import { computeLossAndAcc } from "./loss.ts";
import { checkGradients } from "./gradient_check.ts";
import { getRandomBatches } from "./batches.ts";

deviceTest(
  "manual backprop of a sigmoid→softmax MLP equals autograd's gradients",
  async (device) => {
    const g = new Generator(4);
    const params = new Params();
    initializeWeights(6, 5, params, "hidden", { generator: g, device });
    initializeWeights(5, 3, params, "out", { generator: g, device });
    params.set("bhidden", randNormal([5], 0, 0.5, { generator: g, device }));
    const x = randNormal([4, 6], 0, 1, { generator: g, device });
    const labels = [2, 0, 1, 2];
    const y = tensor(labels.flatMap((l) => [0, 1, 2].map((c) => (c === l ? 1 : 0))), {
      shape: [4, 3],
      device,
    });

    const h = forward(x, params, "hidden", SIGMOID);
    const probs = forward(h, params, "out", SOFTMAX);
    const d = backwards(probs.sub(y), params, "out", LINEAR);
    backwards(d, params, "hidden", SIGMOID);

    // the same network through autograd, with the summed cross-entropy of the homework
    const leaves = Object.fromEntries(
      ["Whidden", "bhidden", "Wout", "bout"].map((k) => [k, params.get(k).detach()]),
    );
    for (const t of Object.values(leaves)) t.requiresGrad = true;
    const logits = x.matmul(leaves.Whidden).add(leaves.bhidden).sigmoid().matmul(leaves.Wout).add(
      leaves.bout,
    );
    crossEntropy(logits, tensor(labels, { device }), { reduction: "sum" }).backward();
    for (const k of Object.keys(leaves)) {
      await assertClose(params.get(`grad_${k}`), leaves[k].grad!, { atol: 1e-5, rtol: 1e-4 }, k);
    }
    const { loss, acc } = await computeLossAndAcc(y, probs);
    await assertClose(
      loss,
      await crossEntropy(logits, tensor(labels, { device }), { reduction: "sum" }).item(),
      {
        atol: 1e-4,
      },
    );
    assert.ok(acc >= 0 && acc <= 1);
  },
);

deviceTest(
  "the loss and hit count are the same from class indices as from one-hot rows",
  async (device) => {
    // row 1 is a miss (class 2 is most probable), row 3's true class has probability 0
    const probs = tensor([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.25, 0.5, 0.25], [0, 1, 0]], {
      device,
    });
    const labels = [0, 1, 1, 2];
    const oneHot = tensor(labels.map((c) => [0, 1, 2].map((j) => (j === c ? 1 : 0))), { device });
    const fromIndices = await computeLossAndAcc(tensor(labels, { device }), probs);
    const fromRows = await computeLossAndAcc(oneHot, probs);
    assert.deepEqual(fromIndices, fromRows);
    assert.equal(fromIndices.acc, 0.5);
    // −(ln 0.7 + ln 0.3 + ln 0.5 + ln 1e-30): the clamp keeps the zero finite
    const want = -(Math.log(0.7) + Math.log(0.3) + Math.log(0.5) + Math.log(1e-30));
    assert.ok(Math.abs(fromIndices.loss - want) < 1e-3 * Math.abs(want), `${fromIndices.loss}`);
    await assert.rejects(
      () => computeLossAndAcc(tensor([0, 1, 1], { device }), probs),
      /class indices \[N\]/,
    );
  },
);

Deno.test("ReLU layers backpropagate through the ReLU derivative", async () => {
  const g = new Generator(5);
  const params = new Params();
  initializeWeights(3, 4, params, "a", { generator: g, dtype: "float64" });
  const x = randNormal([5, 3], 0, 1, { generator: g, dtype: "float64" });
  const out = forward(x, params, "a", RELU);
  const upstream = randNormal([5, 4], 0, 1, { generator: g, dtype: "float64" });
  const dx = backwards(upstream, params, "a", RELU);
  const w = params.get("Wa").detach(), b = params.get("ba").detach(), xx = x.detach();
  for (const t of [w, b, xx]) t.requiresGrad = true;
  xx.matmul(w).add(b).relu().backward({ grad: upstream });
  await assertClose(params.get("grad_Wa"), w.grad!, { atol: 1e-12 });
  await assertClose(dx, xx.grad!, { atol: 1e-12 });
  assert.ok((await out.data()).every((v) => v >= 0));
});

Deno.test("Xavier initialisation: U(−a, a) with variance 2/(n_in + n_out), zero biases", async () => {
  const params = new Params();
  initializeWeights(400, 200, params, "big", { generator: new Generator(1), dtype: "float64" });
  const w = Array.from(await params.get("Wbig").data());
  const mean = w.reduce((s, v) => s + v, 0) / w.length;
  const variance = w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length;
  assert.ok(Math.abs(mean) < 0.002);
  assert.ok(Math.abs(variance - 2 / 600) / (2 / 600) < 0.02, `variance ${variance}`);
  const a = Math.sqrt(6 / 600);
  assert.ok(w.every((v) => v >= -a && v <= a));
  assert.ok((await params.get("bbig").data()).every((v) => v === 0));
  assert.throws(() => initializeWeights(0, 3, params, "bad"), RangeError);
});

Deno.test("the gradient checker passes a correct backward and catches a wrong one", async () => {
  const g = new Generator(6);
  const params = new Params();
  initializeWeights(3, 4, params, "l", { generator: g, dtype: "float64" });
  const x = randNormal([6, 3], 0, 1, { generator: g, dtype: "float64" });
  const y = tensor([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [1, 0, 0, 0], [
    0,
    1,
    0,
    0,
  ]], {
    dtype: "float64",
  });
  const loss = async (p: Params) => (await computeLossAndAcc(y, forward(x, p, "l", SOFTMAX))).loss;
  const probs = forward(x, params, "l", SOFTMAX);
  backwards(probs.sub(y), params, "l", LINEAR);
  const good = await checkGradients(params, loss);
  assert.ok(Math.max(...good.map((r) => r.maxRelError)) < 1e-6);
  // a backward pass that forgets the softmax-cross-entropy cancellation (uses probs, not probs − y)
  backwards(probs, params, "l", LINEAR);
  const bad = await checkGradients(params, loss);
  assert.ok(Math.max(...bad.map((r) => r.maxRelError)) > 0.1);
});

Deno.test("random batches on tensors keep rows and labels together", async () => {
  const x = tensor(Array.from({ length: 10 }, (_, i) => [i, -i]));
  const y = tensor(Array.from({ length: 10 }, (_, i) => [i]));
  const batches = getRandomBatches(x, y, 4, new Generator(2));
  assert.deepEqual(batches.map(([xb]) => xb.shape[0]), [4, 4, 2]);
  const seen: number[] = [];
  for (const [xb, yb] of batches) {
    const xv = await xb.data(), yv = await yb.data();
    for (let i = 0; i < yv.length; i++) {
      assert.equal(xv[2 * i], yv[i]);
      seen.push(yv[i]);
    }
  }
  assert.deepEqual(seen.sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

Deno.test("params save and load through safetensors, with metadata", async () => {
  const dir = await Deno.makeTempDir();
  const params = new Params();
  initializeWeights(3, 2, params, "a", { generator: new Generator(3) });
  params.set("grad_Wa", tensor([1])); // not a parameter: not saved
  await params.save(`${dir}/m.safetensors`, { arch: "3-2" });
  const { params: loaded, metadata } = await Params.load(`${dir}/m.safetensors`);
  assert.deepEqual(loaded.keys(), ["Wa", "ba"]);
  assert.deepEqual(metadata, { arch: "3-2" });
  await assertClose(loaded.get("Wa"), params.get("Wa"));
  assert.throws(() => loaded.get("Wb"), /No parameter "Wb" \(have Wa, ba\)/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("Q2.1.1: a zero-initialised network keeps every hidden unit identical", async () => {
  const g = new Generator(7);
  const params = new Params();
  const opts = { dtype: "float64" as const };
  params.set("Wh", tensor(new Float64Array(5 * 4), { shape: [5, 4], ...opts }));
  params.set("bh", tensor(new Float64Array(4), opts));
  params.set("Wo", tensor(new Float64Array(4 * 3), { shape: [4, 3], ...opts }));
  params.set("bo", tensor(new Float64Array(3), opts));
  const x = randNormal([12, 5], 0, 1, { generator: g, ...opts });
  const y = tensor(
    Array.from({ length: 12 }, (_, i) => [0, 1, 2].map((c) => (c === (i < 6 ? 0 : i % 3) ? 1 : 0))),
    opts,
  );
  for (let step = 0; step < 20; step++) {
    const probs = forward(forward(x, params, "h", SIGMOID), params, "o", SOFTMAX);
    backwards(backwards(probs.sub(y), params, "o", LINEAR), params, "h", SIGMOID);
    for (const k of ["Wh", "bh", "Wo", "bo"]) {
      params.set(k, params.get(k).sub(params.get(`grad_${k}`).mul(0.5)));
    }
  }
  // the output layer learned something (the classes are unbalanced, so its biases moved) ...
  assert.ok((await params.get("bo").data()).some((v) => Math.abs(v) > 1e-3));
  // ... but the hidden units are still copies of one another: columns of Wh equal, rows of Wo equal
  const wh = await params.get("Wh").data(), wo = await params.get("Wo").data();
  assert.ok(wh.some((v) => Math.abs(v) > 1e-6), "the hidden weights moved");
  for (let r = 0; r < 5; r++) {
    for (let c = 1; c < 4; c++) assert.equal(wh[r * 4 + c], wh[r * 4]);
  }
  for (let r = 1; r < 4; r++) {
    for (let c = 0; c < 3; c++) assert.equal(wo[r * 3 + c], wo[c]);
  }
});

deviceTest(
  "fused activation backwards equal delta ⊙ the written-out derivative",
  async (device) => {
    const g = new Generator(8);
    for (const act of [SIGMOID, RELU]) {
      using pre = randNormal([4, 6], 0, 1, { generator: g, device });
      using delta = randNormal([4, 6], 0, 1, { generator: g, device });
      using post = act.forward(pre);
      using slope = act.derivative(post, pre);
      using expected = delta.mul(slope);
      assert.ok(act.backward, `${act.name} has a fused backward`);
      using fused = act.backward(delta, post, pre);
      await assertClose(fused, expected, { atol: 1e-7 }, act.name);
    }
  },
);
