import assert from "node:assert/strict";
import { checkGradients, type Params } from "@recognize/nn";
import { Generator, noGrad, randUniform, type Tensor } from "@recognize/tensor";
import { deviceTest } from "@recognize/tensor/testing";
import { Autoencoder } from "./autoencoder.ts";

Deno.test("gradcheck: the autoencoder's hand-written gradients match central differences", async () => {
  const g = new Generator(3);
  const ae = Autoencoder.create({ inputSize: 12, hidden: 5, generator: g, dtype: "float64" });
  // keep ReLU inputs away from their kink: positive biases
  for (const name of ["layer1", "hidden", "hidden2"]) {
    ae.params.set(`b${name}`, randUniform([5], 0.2, 0.5, { generator: g, dtype: "float64" }));
  }
  const x = randUniform([4, 12], 0, 1, { generator: g, dtype: "float64" });
  ae.lossAndGradients(x).dispose();
  const loss = async (p: Params) => {
    const probe = new Autoencoder(p, 12, 5);
    using y = probe.reconstruct(x);
    using e = noGrad(() => y.sub(x));
    using s = noGrad(() => e.mul(e).sum());
    return await s.item();
  };
  const results = await checkGradients(ae.params, loss);
  assert.equal(results.length, 8);
  const worst = Math.max(...results.map((r) => r.maxRelError));
  assert.ok(worst < 1e-6, `largest relative error ${worst}`);
});

deviceTest("training lowers the reconstruction error", async (device) => {
  const g = new Generator(4);
  // inputs on a 3-dimensional subspace: compressible through 8 hidden units
  const basis = randUniform([3, 24], 0, 1, { generator: g, device });
  const coeff = randUniform([96, 3], 0, 0.5, { generator: g, device });
  const x: Tensor = noGrad(() => coeff.matmul(basis).clamp(0, 1));
  const ae = Autoencoder.create({ inputSize: 24, hidden: 8, generator: g, device });
  const first = await ae.trainEpoch(x, {
    batchSize: 16,
    learningRate: 3e-3,
    momentum: 0.9,
    generator: g,
  });
  let last = first;
  for (let e = 0; e < 40; e++) {
    last = await ae.trainEpoch(x, {
      batchSize: 16,
      learningRate: 3e-3,
      momentum: 0.9,
      generator: g,
    });
  }
  assert.ok(last < first / 3, `error ${first} → ${last}`);
});

Deno.test("a saved autoencoder loads with identical reconstructions", async () => {
  const dir = await Deno.makeTempDir();
  const ae = Autoencoder.create({ inputSize: 16, hidden: 4, generator: new Generator(5) });
  ae.lossAndGradients(randUniform([2, 16])).dispose(); // gradients exist but are not saved
  await ae.save(`${dir}/ae.safetensors`);
  const { autoencoder } = await Autoencoder.load(`${dir}/ae.safetensors`);
  assert.deepEqual(autoencoder.params.keys().filter((k) => k.startsWith("grad")), []);
  const x = randUniform([3, 16], 0, 1, { generator: new Generator(6) });
  assert.deepEqual(await autoencoder.reconstruct(x).data(), await ae.reconstruct(x).data());
  await assert.rejects(Autoencoder.load(`${dir}/missing.safetensors`), /NotFound|No such file/);
  await Deno.remove(dir, { recursive: true });
});
