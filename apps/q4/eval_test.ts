// The OCR app against the homework photos' truth: every box found, and the
// character error rates the README states for the shipped models.

import assert from "node:assert/strict";
import { cpuBackend } from "@recognize/tensor";
import { dataTest } from "@recognize/tensor/testing";
import { evaluatePhotos } from "./eval.ts";
import { CNN_MODEL, MLP_MODEL } from "./model.ts";

dataTest("q4 eval: exact boxes and lines; the CNN within 3 % CER, the MLP within 10 %", [
  "ocr-images/TRUTH.md",
], async (root) => {
  const out = await Deno.makeTempDir();
  for (const [model, bound] of [[CNN_MODEL, 0.03], [MLP_MODEL, 0.1]] as const) {
    const { images, overall } = await evaluatePhotos({
      root,
      modelPath: model,
      out,
      context: true,
      device: cpuBackend(),
    });
    assert.equal(images.length, 4);
    for (const i of images) {
      assert.equal(i.boxes, i.trueCharacters, `${i.image} boxes`);
      assert.equal(i.lines, i.trueLines, `${i.image} lines`);
    }
    assert.ok((overall.cer as number) <= bound, `${model}: CER ${overall.cer}`);
    const written = JSON.parse(await Deno.readTextFile(`${out}/metrics.json`));
    assert.equal(written.overall.cer, overall.cer);
  }
  await Deno.remove(out, { recursive: true });
});
