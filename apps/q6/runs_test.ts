// The Q6 experiments on small slices: each writes its curves, confusion
// matrix, metrics and model, learns something, and its saved model reads back
// with the same accuracy.

import assert from "node:assert/strict";
import { cpuBackend } from "@recognize/tensor";
import { dataTest, webgpuForTests } from "@recognize/tensor/testing";
import { runCifar, runCnn, runFc, runFlowers, type RunOptions, runSun } from "./runs.ts";
import { evaluateClassifierFile } from "./eval.ts";

async function options(root: string, extra: Partial<RunOptions>): Promise<RunOptions> {
  return {
    root,
    out: await Deno.makeTempDir(),
    device: cpuBackend(),
    seed: 0,
    log: () => {},
    ...extra,
  };
}

function assertWrote(out: string, names: string[]) {
  const files = new Set([...Deno.readDirSync(out)].map((e) => e.name));
  for (const n of names) assert.ok(files.has(n), `${n} missing from ${[...files]}`);
}

dataTest("q6 cnn learns NIST36 on a slice; its saved model evaluates the same", [
  "nist36-sub/nist36_train.mat",
], async (root) => {
  const o = await options(root, { epochs: 3, perClass: 15 });
  const m = await runCnn(o);
  assertWrote(o.out, [
    "cnn_curves.png",
    "cnn_confusion.png",
    "cnn_metrics.json",
    "cnn.safetensors",
  ]);
  // 36 classes: chance is 2.8 %; three epochs on 540 images already reach far past it
  assert.ok((m.testAccuracy as number) > 0.3, `test accuracy ${m.testAccuracy}`);
  const history = m.history as { trainLoss: number }[];
  assert.ok(history[2].trainLoss < history[0].trainLoss, "the loss falls");
  // `q6 eval` on the full test file gives an accuracy in the same range as the slice's
  const e = await evaluateClassifierFile(
    `${o.out}/cnn.safetensors`,
    `${root}/nist36-sub/nist36_test.mat`,
    { device: o.device },
  );
  assert.equal(e.samples, 1800);
  assert.ok(
    Math.abs((e.accuracy as number) - (m.testAccuracy as number)) < 0.12,
    JSON.stringify(e),
  );
  await Deno.remove(o.out, { recursive: true });
});

dataTest("q6 fc compares the Module API network with the hand-written one", [
  "nist36-sub/nist36_train.mat",
], async (root) => {
  const o = await options(root, { epochs: 4, perClass: 20 });
  const m = await runFc(o);
  assertWrote(o.out, ["fc_curves.png", "fc_metrics.json", "fc.safetensors"]);
  const hand = m.handwritten as { testAccuracy: number; secondsPerEpoch: number };
  assert.ok((m.testAccuracy as number) > 0.1 && hand.testAccuracy > 0.1, JSON.stringify(hand));
  assert.ok(hand.secondsPerEpoch > 0);
  await Deno.remove(o.out, { recursive: true });
});

dataTest("q6 cifar runs on WebGPU from the JPEG tree", ["cifar10-jpg/test"], async (root) => {
  const device = await webgpuForTests();
  if (!device) return;
  const o = await options(root, { epochs: 1, perClass: 3, device });
  const m = await runCifar(o);
  assertWrote(o.out, ["cifar_curves.png", "cifar_metrics.json", "cifar.safetensors"]);
  assert.equal(m.device, "webgpu");
  assert.ok((m.testAccuracy as number) >= 0 && (m.testAccuracy as number) <= 1);
  await Deno.remove(o.out, { recursive: true });
});

dataTest("q6 sun and flowers: a scratch CNN and SqueezeNet features with a linear head", [
  "hw1-sun/train_files.txt",
  "oxford-flowers17/train",
  "models",
], async (root) => {
  const o = await options(root, { epochs: 1, perClass: 2 });
  const sun = await runSun(o);
  const probe = sun.squeezenetLinearHead as { testAccuracy: number };
  // ImageNet features separate scenes well even with two images a class
  assert.ok(probe.testAccuracy > 0.3, `SUN linear head ${probe.testAccuracy}`);
  const flowers = await runFlowers(o);
  const head = flowers.fineTunedHead as { testAccuracy: number };
  assert.ok(head.testAccuracy > 0.2, `flowers head ${head.testAccuracy}`);
  assertWrote(o.out, [
    "sun_metrics.json",
    "sun.safetensors",
    "flowers_metrics.json",
    "flowers_scratch.safetensors",
  ]);
  await Deno.remove(o.out, { recursive: true });
});
