import assert from "node:assert/strict";
import { cpuBackend } from "@recognize/tensor";
import { dataTest } from "@recognize/tensor/testing";
import { runQ5 } from "./train.ts";

dataTest("q5 on a small slice writes its outputs and improves on the initial reconstruction", [
  "nist36-sub/nist36_train.mat",
], async (root) => {
  const out = await Deno.makeTempDir();
  const m = await runQ5({
    root,
    out,
    epochs: 3,
    batchSize: 36,
    learningRate: 3e-5,
    decay: 0.9,
    decayEvery: 20,
    hidden: 32,
    momentum: 0.9,
    seed: 0,
    device: cpuBackend(),
    showClasses: ["A", "M", "S", "3", "8"],
    perClass: 20,
  });
  const files = [...Deno.readDirSync(out)].map((e) => e.name);
  for (const f of ["loss.png", "reconstructions.png", "metrics.json", "model.safetensors"]) {
    assert.ok(files.includes(f), f);
  }
  const losses = m.lossPerImage as number[];
  assert.equal(losses.length, 3);
  assert.ok(losses[2] < losses[0], `loss ${losses}`);
  assert.ok((m.validPsnr as number) > 8, `PSNR ${m.validPsnr}`);
  await Deno.remove(out, { recursive: true });
});
