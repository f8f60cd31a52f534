import assert from "node:assert/strict";
import { Generator, gradcheck, randNormal, tensor } from "@recognize/tensor";
import { assertClose, dataTest, deviceTest } from "@recognize/tensor/testing";
import { loadSafetensors } from "@recognize/io";
import {
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  Dropout,
  Flatten,
  Linear,
  ReLU,
  Sequential,
} from "./layers.ts";
import { ConvNet } from "./models/convnet.ts";
import { SqueezeNet } from "./models/squeezenet.ts";
import { loadModel, saveModel } from "./architectures.ts";
import { loadClassifier } from "./classifier.ts";

deviceTest("Linear computes x·Wᵀ + b with PyTorch's shapes and init bounds", async (device) => {
  const lin = new Linear(4, 3, { device, generator: new Generator(1) });
  assert.deepEqual(lin.weight.shape, [3, 4]);
  const w = await lin.weight.data();
  assert.ok(w.every((v) => Math.abs(v) <= 0.5)); // 1/√4
  const x = tensor([[1, 2, 3, 4]], { device });
  const expected = new Float64Array(3);
  const b = await lin.bias!.data();
  for (let o = 0; o < 3; o++) {
    expected[o] = b[o] + [1, 2, 3, 4].reduce((s, v, i) => s + v * w[o * 4 + i], 0);
  }
  await assertClose(lin.forward(x), expected);
  assert.deepEqual(lin.namedParameters().map(([n]) => n), ["weight", "bias"]);
});

deviceTest("Sequential names parameters like PyTorch and trains end to end", (device) => {
  const g = new Generator(2);
  const net = new Sequential(
    new Conv2d(1, 2, 3, { padding: 1, device, generator: g }),
    new ReLU(),
    new Flatten(),
    new Linear(2 * 4 * 4, 3, { device, generator: g }),
  );
  assert.deepEqual(net.namedParameters().map(([n]) => n), [
    "0.weight",
    "0.bias",
    "3.weight",
    "3.bias",
  ]);
  const x = randNormal([5, 1, 4, 4], 0, 1, { device, generator: g });
  const y = net.forward(x);
  assert.deepEqual(y.shape, [5, 3]);
  y.sum().backward();
  assert.ok(
    net.parameters().every((p) => p.grad !== null && p.grad.shape.join() === p.shape.join()),
  );
  net.zeroGrad();
  assert.ok(net.parameters().every((p) => p.grad === null));
});

deviceTest(
  "BatchNorm2d normalises per channel while training and tracks running statistics",
  async (device) => {
    const bn = new BatchNorm2d(2, { device });
    const x = tensor(Array.from({ length: 2 * 2 * 2 * 2 }, (_, i) => (i % 8 < 4 ? i : 10 * i)), {
      shape: [2, 2, 2, 2],
      device,
    });
    const y = bn.forward(x);
    const v = await y.data();
    for (const c of [0, 1]) {
      const vals = [0, 1].flatMap((n) => [0, 1, 2, 3].map((p) => v[(n * 2 + c) * 4 + p]));
      const mean = vals.reduce((s, a) => s + a, 0) / 8;
      const variance = vals.reduce((s, a) => s + (a - mean) ** 2, 0) / 8;
      assert.ok(
        Math.abs(mean) < 1e-5 && Math.abs(variance - 1) < 1e-3,
        `channel ${c}: mean ${mean}, var ${variance}`,
      );
    }
    // channel 0 holds 0,1,2,3,8,9,10,11: mean 5.5, Σ(x − mean)² = 138, unbiased variance 138/7;
    // running = 0.1·batch + 0.9·initial
    const state = bn.stateDict();
    await assertClose(state.get("running_mean")!.slice([0], [1]), [0.55]);
    await assertClose(
      state.get("running_var")!.slice([0], [1]),
      [0.9 + 0.1 * 138 / 7],
      { rtol: 1e-5 },
    );
    await assertClose(state.get("num_batches_tracked")!, [1]);
    bn.eval();
    const e = await bn.forward(x).data();
    // eval: (x − running_mean) / √(running_var + ε)
    assert.ok(Math.abs(e[0] - (0 - 0.55) / Math.sqrt(0.9 + 0.1 * 138 / 7 + 1e-5)) < 1e-5);
  },
);

Deno.test("gradcheck: BatchNorm in training mode, and BatchNorm1d", () => {
  const g = new Generator(3);
  const x = randNormal([4, 3, 2, 2], 0, 1, { dtype: "float64", generator: g });
  const r = gradcheck((t) => new BatchNorm2d(3, { dtype: "float64" }).forward(t), [x]);
  assert.ok(r.maxRelError < 1e-6, `${r.maxRelError}`);
  const x1 = randNormal([5, 3], 0, 1, { dtype: "float64", generator: g });
  assert.ok(
    gradcheck((t) => new BatchNorm1d(3, { dtype: "float64" }).forward(t), [x1]).maxRelError < 1e-6,
  );
});

deviceTest("Dropout is active only in training mode", async (device) => {
  const d = new Dropout(0.5, { generator: new Generator(4) });
  const x = tensor(new Float32Array(1000).fill(1), { device });
  const train = await d.forward(x).data();
  assert.ok(train.some((v) => v === 0) && train.some((v) => v === 2));
  d.eval();
  assert.ok((await d.forward(x).data()).every((v) => v === 1));
});

Deno.test("a saved ConvNet rebuilds with the same outputs; mismatched state dicts are refused", async () => {
  const dir = await Deno.makeTempDir();
  const config = { inChannels: 1, inputSize: 8, channels: [4, 6], classes: 3, dropout: 0.2 };
  const net = new ConvNet(config, { generator: new Generator(5) });
  const x = randNormal([2, 1, 8, 8], 0, 1, { generator: new Generator(6) });
  net.forward(x); // one training step's worth of running statistics
  net.eval();
  const expected = await net.forward(x).data();
  await saveModel(`${dir}/m.safetensors`, net, {
    arch: "convnet",
    config: { ...config },
    classes: ["a", "b", "c"],
    inputShape: [1, 8, 8],
  });
  const { module, info } = await loadModel(`${dir}/m.safetensors`);
  assert.deepEqual(info.classes, ["a", "b", "c"]);
  await assertClose(module.forward(x), expected, { atol: 1e-6 });
  const other = new ConvNet({ ...config, channels: [4, 5] });
  await assert.rejects(other.load(`${dir}/m.safetensors`), /has shape/);
  const clf = await loadClassifier(`${dir}/m.safetensors`);
  await assertClose(clf.predict(x).sum(1), [1, 1]);
  await assertClose(clf.predict(x), module.forward(x).softmax(-1), { atol: 1e-6 });

  // trained on normalised inputs: the classifier takes images in [0, 1] and normalises them itself
  await saveModel(`${dir}/n.safetensors`, net, {
    arch: "convnet",
    config: { ...config },
    classes: ["a", "b", "c"],
    inputShape: [1, 8, 8],
    normalize: { mean: [0.5], std: [0.25] },
  });
  const normed = await loadClassifier(`${dir}/n.safetensors`);
  const raw = x.mul(0.25).add(0.5); // an image whose normalised form is x
  await assertClose(normed.predict(raw), module.forward(x).softmax(-1), { atol: 1e-5 });
  assert.deepEqual((await loadModel(`${dir}/n.safetensors`)).info.normalize, {
    mean: [0.5],
    std: [0.25],
  });
  await Deno.remove(dir, { recursive: true });
});

const SQUEEZE = "models/squeezenet1_1-imagenet-backbone_flowers17-head";
dataTest("SqueezeNet 1.1 reproduces PyTorch's golden forward pass on every device", [
  `${SQUEEZE}/golden_forward.safetensors`,
], async (root) => {
  const golden = (await loadSafetensors(`${root}/${SQUEEZE}/golden_forward.safetensors`)).tensors;
  const { testDevices } = await import("@recognize/tensor/testing");
  for (const device of (await testDevices()).backends) {
    const net = new SqueezeNet(17, { device });
    await net.load(`${root}/${SQUEEZE}/squeezenet1_1_flowers17.safetensors`);
    net.eval();
    const g = golden.get("input")!;
    const input = tensor(g.data as Float32Array, { shape: g.shape, device });
    const features = net.features.forward(input);
    assert.deepEqual(features.shape, [3, 512, 13, 13]);
    await assertClose(features, golden.get("features")!.data as Float32Array, {
      atol: 1e-3,
      rtol: 0,
    }, `features on ${device.name}`);
    const logits = net.forward(input);
    await assertClose(
      logits,
      golden.get("logits")!.data as Float32Array,
      { atol: 1e-3, rtol: 0 },
      `logits on ${device.name}`,
    );
    assert.deepEqual([...(await logits.argmax(1).data())], [0, 9, 16]);
  }
});
