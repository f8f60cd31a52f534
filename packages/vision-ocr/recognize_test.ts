import assert from "node:assert/strict";
import { dataTest } from "@recognize/tensor/testing";
import { type Tensor, tensor } from "@recognize/tensor";
import { loadImage } from "@recognize/datasets";
import { loadClassifier } from "@recognize/nn";
import { characterErrorRate } from "@recognize/metrics";
import { recognize } from "./recognize.ts";
import { decodeWithContext } from "./context.ts";
import { renderPage } from "./testdata/render_text.ts";

Deno.test("word context reads look-alikes as the word's kind", () => {
  const classes = ["O", "I", "0", "1"];
  // "D0NT"-like: a confident letter, then an O/0 look-alike leaning to the digit
  const letterish = [0.9, 0.05, 0.03, 0.02], zeroish = [0.4, 0, 0.6, 0];
  const words: [number, number][] = [[0, 3]];
  const out = decodeWithContext([letterish, zeroish, letterish], classes, words);
  assert.deepEqual(out.map((c) => c.char), ["O", "O", "O"]);
  // alone on a line of digits, a lone 0 stays a digit
  const digit = [0.05, 0.05, 0.85, 0.05];
  const line = decodeWithContext([digit, zeroish, digit], classes, [[0, 1], [1, 2], [2, 3]]);
  assert.deepEqual(line.map((c) => c.char), ["0", "0", "0"]);
  // without context, each character keeps its own best class
  assert.equal(decodeWithContext([zeroish], classes, [])[0].char, "0");
});

Deno.test("inside a word, letters are weighed by their frequency in English", () => {
  const classes = ["O", "Q", "0"];
  // the classifier leans to Q, but in text an O is ~80 times as common as a Q
  const oq = [0.3, 0.65, 0.05];
  const word: [number, number][] = [[0, 2]];
  const withPrior = decodeWithContext([oq, oq], classes, word);
  assert.deepEqual(withPrior.map((c) => c.char), ["O", "O"]);
  assert.equal(withPrior[0].confidence, 0.3); // the classifier's own probability is reported
  // a confident Q stays a Q
  assert.equal(decodeWithContext([[0.005, 0.99, 0.005]], classes, [[0, 1]])[0].char, "Q");
  // no prior: the classifier's choice
  const flat = decodeWithContext([oq, oq], classes, word, { letterPrior: null });
  assert.deepEqual(flat.map((c) => c.char), ["Q", "Q"]);
});

Deno.test("recognize passes every crop to the classifier in reading order", async () => {
  const page = await renderPage({ lines: ["AB C", "DE"] });
  const seen: number[] = [];
  // a stand-in classifier that numbers the crops it is given
  const classes = ["A", "B", "C", "D", "E"];
  const classifier = {
    classes,
    predict(x: Tensor): Tensor {
      const n = x.shape[0];
      const probs = new Float32Array(n * 5);
      for (let i = 0; i < n; i++) {
        probs[i * 5 + (i % 5)] = 1;
        seen.push(i);
      }
      return tensor(probs, { shape: [n, 5] });
    },
  };
  const r = await recognize(page, classifier, { context: false });
  assert.equal(r.text, "AB C\nDE");
  assert.equal(r.lines[0].chars.length, 3);
  assert.deepEqual(r.lines[1].chars.map((c) => c.char), ["D", "E"]);
  assert.equal(seen.length, 5);
  assert.equal(r.crops.length, 5 * 1024);
});

const MODEL = new URL("../../models/q3_mlp.safetensors", import.meta.url).pathname;
const TRUTH: Record<string, string> = {
  "02_letters": "ABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890",
  "04_deep": "DEEPLEARNINGDEEPERLEARNINGDEEPESTLEARNING",
};

dataTest("the shipped MLP reads the homework photos: exact box counts, bounded error", [
  "ocr-images/04_deep.jpg",
], async (root) => {
  const classifier = await loadClassifier(MODEL);
  for (const [name, truth] of Object.entries(TRUTH)) {
    const r = await recognize(await loadImage(`${root}/ocr-images/${name}.jpg`), classifier);
    assert.equal(r.detection.boxes.length, truth.length, name);
    const cer = characterErrorRate(r.text, truth, { ignoreWhitespace: true });
    assert.ok(cer < 0.2, `${name}: CER ${cer} for "${r.text}"`);
  }
});
