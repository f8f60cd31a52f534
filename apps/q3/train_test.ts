import assert from "node:assert/strict";
import { decode } from "image-js";
import { cpuBackend } from "@recognize/tensor";
import { dataTest } from "@recognize/tensor/testing";
import { runQ3 } from "./train.ts";
import { evaluateModelFile } from "./eval.ts";

dataTest("q3 on a small NIST36 slice writes every output and learns", [
  "nist36-sub/nist36_train.mat",
], async (root) => {
  const out = await Deno.makeTempDir();
  const metrics = await runQ3({
    root,
    out,
    epochs: 4,
    batchSize: 16,
    learningRate: 0.01,
    hidden: 64,
    seed: 0,
    device: cpuBackend(),
    study: true,
    perClass: 20,
    log: () => {},
  });
  const files = [...Deno.readDirSync(out)].map((e) => e.name).sort();
  for (
    const f of [
      "confusion_matrix.png",
      "curves.png",
      "curves.svg",
      "history.csv",
      "lr_study.png",
      "lr_study_tuned.png",
      "lr_study_x0.1.png",
      "lr_study_x10.png",
      "metrics.json",
      "model.safetensors",
      "weights.png",
    ]
  ) assert.ok(files.includes(f), `${f} missing (have ${files.join(", ")})`);
  // 4 epochs on 720 images already beat chance (1/36) by far
  const final = metrics.final as Record<string, { accuracy: number }>;
  assert.ok(final.valid.accuracy > 0.2, `valid accuracy ${final.valid.accuracy}`);
  const csv = (await Deno.readTextFile(`${out}/history.csv`)).trim().split("\n");
  assert.equal(csv.length, 1 + 3 * 4); // header + 3 runs × 4 epochs
  const png = decode(await Deno.readFile(`${out}/weights.png`));
  assert.ok(png.width > 400);
  // eval on the same data agrees with what training reported
  const r = await evaluateModelFile(
    `${out}/model.safetensors`,
    `${root}/nist36-sub/nist36_test.mat`,
    { device: cpuBackend() },
  );
  assert.equal(r.samples, 1800);
  assert.ok((r.accuracy as number) > 0.15);
  await Deno.remove(out, { recursive: true });
});
