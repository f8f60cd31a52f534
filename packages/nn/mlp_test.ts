import assert from "node:assert/strict";
import { gaussianClusters } from "@recognize/datasets";
import { Generator, noGrad, oneHot, randNormal, tensor } from "@recognize/tensor";
import { assertClose, deviceTest } from "@recognize/tensor/testing";
import { Mlp } from "./mlp.ts";
import { backwards, forward } from "./layer.ts";
import { LINEAR, SIGMOID, SOFTMAX } from "./activations.ts";
import { computeLossAndAcc } from "./loss.ts";

/** Three well-separated 4-D clusters. */
function clusters(device: Parameters<Parameters<typeof deviceTest>[1]>[0], seed: number) {
  const g = new Generator(seed);
  const spec = [0, 1, 2].map((k) => ({
    mean: [k, -k, 2 * k, 1],
    variance: [0.05, 0.05, 0.05, 0.05],
  }));
  const d = gaussianClusters(spec, 40, g);
  return {
    x: tensor(Float32Array.from(d.x), { shape: [120, 4], device }),
    labels: tensor(Float32Array.from(d.labels), { device }),
  };
}

deviceTest("an MLP learns separable clusters and its loss falls", async (device) => {
  const train = clusters(device, 1), valid = clusters(device, 2);
  const mlp = Mlp.create({ sizes: [4, 16, 3], generator: new Generator(3), device });
  const history = await mlp.fit(train, valid, {
    epochs: 30,
    batchSize: 8,
    learningRate: 0.05,
    generator: new Generator(4),
  });
  assert.equal(history.length, 30);
  assert.ok(
    history[29].trainLoss < history[0].trainLoss / 3,
    `loss ${history[0].trainLoss} → ${history[29].trainLoss}`,
  );
  assert.ok(history[29].validAcc > 0.95, `valid accuracy ${history[29].validAcc}`);
  const r = await mlp.evaluate(valid.x, valid.labels);
  assert.equal(r.predicted.length, 120);
  assert.equal(r.acc, history[29].validAcc);
});

deviceTest(
  "a training step updates in place exactly as SGD on the stored gradients",
  async (device) => {
    const g = new Generator(5);
    const mlp = Mlp.create({ sizes: [6, 5, 3], generator: g, device });
    const x = randNormal([4, 6], 0, 1, { generator: g, device });
    const y = noGrad(() => oneHot(tensor([0, 2, 1, 2], { device }), 3));
    const lr = 0.3;
    // the homework's way on a copy: store the gradients, then step
    const params = mlp.params.clone();
    const h = forward(x, params, "layer1", SIGMOID);
    const probs = forward(h, params, "output", SOFTMAX);
    const delta = noGrad(() => probs.sub(y));
    const d1 = backwards(delta, params, "output", LINEAR);
    backwards(d1, params, "layer1", SIGMOID, { inputGrad: false });
    const before = new Map<string, Float32Array | Float64Array>();
    for (const k of params.parameterKeys()) before.set(k, await params.get(k).data());

    // its figures are those of the forward pass before the update, from one-hot rows or labels
    const figures = await computeLossAndAcc(y, probs);
    using stepped = mlp.trainStep(x, y, lr);
    const [loss, hits] = await stepped.data();
    assert.deepEqual({ loss, acc: hits / 4 }, figures);
    for (const k of params.parameterKeys()) {
      const expected = noGrad(() => params.get(k).addScaled(params.get(`grad_${k}`), -lr));
      await assertClose(mlp.params.get(k), expected, { atol: 1e-6 }, k);
      // the copy is a copy: the step left it as it was
      await assertClose(params.get(k), before.get(k)!, { atol: 0 }, `${k} of the clone`);
      assert.ok(!mlp.params.has(`grad_${k}`), `no grad_${k} stored by the in-place step`);
    }
  },
);

Deno.test("a saved MLP loads with the same predictions, and a wrong file is refused", async () => {
  const dir = await Deno.makeTempDir();
  const mlp = Mlp.create({
    sizes: [4, 5, 3],
    classes: ["a", "b", "c"],
    generator: new Generator(7),
    activation: "relu",
  });
  await mlp.save(`${dir}/m.safetensors`, { note: "x" });
  const { mlp: loaded, metadata } = await Mlp.load(`${dir}/m.safetensors`);
  assert.deepEqual(loaded.sizes, [4, 5, 3]);
  assert.deepEqual(loaded.classes, ["a", "b", "c"]);
  assert.equal(loaded.activation.name, "relu");
  assert.equal(metadata.note, "x");
  const x = tensor([[1, 2, 3, 4], [-1, 0, 1, 0]]);
  await assertClose(loaded.predict(x), mlp.predict(x), { atol: 0 });
  await mlp.params.save(`${dir}/plain.safetensors`);
  await assert.rejects(Mlp.load(`${dir}/plain.safetensors`), /not an MLP saved by recognize/);
  await Deno.remove(dir, { recursive: true });
});
