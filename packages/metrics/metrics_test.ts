import assert from "node:assert/strict";
import { accuracy, argmaxRows, confusionMatrix, topConfusedPairs } from "./classification.ts";
import { batchPsnr, psnr } from "./image_quality.ts";
import { characterErrorRate, levenshtein } from "./text.ts";

Deno.test("confusion matrix, accuracy and the most confused pairs", () => {
  const truth = [0, 0, 0, 1, 1, 2, 2, 2];
  const pred = [0, 1, 1, 1, 0, 2, 0, 2];
  const m = confusionMatrix(truth, pred, 3);
  assert.deepEqual(m, [[1, 2, 0], [1, 1, 0], [1, 0, 2]]);
  assert.equal(accuracy(truth, pred), 4 / 8);
  const pairs = topConfusedPairs(m, ["O", "0", "Q"], 2);
  assert.deepEqual(pairs[0], { a: "O", b: "0", aAsB: 2, bAsA: 1, total: 3 });
  assert.deepEqual(pairs[1], { a: "O", b: "Q", aAsB: 0, bAsA: 1, total: 1 });
  assert.throws(() => confusionMatrix([0], [3], 3), /class 0 → 3/);
  assert.throws(() => accuracy([0, 1], [0]), /2 labels with 1/);
  assert.deepEqual([...argmaxRows([0.1, 0.7, 0.2, 0.9, 0.05, 0.05], 3)], [1, 0]);
});

Deno.test("PSNR from its definition, per image and averaged", () => {
  // MSE 0.25 with MAX 1: −10·log10(0.25) = 6.0206 dB
  assert.ok(Math.abs(psnr([1, 1], [0.5, 1.5]) - 6.0206) < 1e-4);
  assert.equal(psnr([1, 2], [1, 2]), Infinity);
  // MAX 255: 20·log10(255) − 10·log10(1) = 48.13 dB
  assert.ok(Math.abs(psnr([0], [1], 255) - 48.1308) < 1e-4);
  const r = batchPsnr(
    Float32Array.from([0, 0, 0, 0]),
    Float32Array.from([0.1, 0.1, 0.01, 0.01]),
    2,
  );
  assert.ok(Math.abs(r.perImage[0] - 20) < 1e-4 && Math.abs(r.perImage[1] - 40) < 1e-3);
  assert.ok(Math.abs(r.mean - 30) < 1e-3);
});

Deno.test("edit distance and character error rate", () => {
  assert.equal(levenshtein("", "abc"), 3);
  assert.equal(levenshtein("flaw", "lawn"), 2);
  assert.equal(levenshtein("DEEP", "DEEP"), 0);
  assert.equal(characterErrorRate("HAIKU5", "HAIKUS"), 1 / 6);
  assert.equal(characterErrorRate("TO DO\nLIST", "TODOLIST", { ignoreWhitespace: true }), 0);
  // TO DO → TODO (delete the space) → TODOLIST (insert 4): 5 edits over 5 characters
  assert.equal(characterErrorRate("TODOLIST", "TO DO"), 1);
});
