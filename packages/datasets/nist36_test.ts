import assert from "node:assert/strict";
import { FormatError } from "@recognize/io";
import { dataTest } from "@recognize/tensor/testing";
import { loadNist36, loadNistFile, NIST36_CLASSES, nistFromMat } from "./nist36.ts";
import { readMat } from "./mat.ts";
import { makeMat } from "./testdata/make_mat.ts";
import type { ImageDataset } from "./dataset.ts";

/** Ink-weighted spread of rows and of columns in the mean image of one class. */
function spreads(d: ImageDataset, label: number): { rows: number; cols: number } {
  const mean = new Float64Array(1024);
  let count = 0;
  d.labels.forEach((l, i) => {
    if (l !== label) return;
    count++;
    for (let p = 0; p < 1024; p++) mean[p] += 1 - d.images[i * 1024 + p];
  });
  let total = 0, r1 = 0, c1 = 0, r2 = 0, c2 = 0;
  for (let p = 0; p < 1024; p++) {
    const w = mean[p] / count, r = Math.floor(p / 32), c = p % 32;
    total += w;
    r1 += w * r;
    c1 += w * c;
    r2 += w * r * r;
    c2 += w * c * c;
  }
  return {
    rows: Math.sqrt(r2 / total - (r1 / total) ** 2),
    cols: Math.sqrt(c2 / total - (c1 / total) ** 2),
  };
}

/** Ink in the bottom half over ink in the top half of one class's images. */
function bottomHeavy(d: ImageDataset, label: number): number {
  let top = 0, bottom = 0;
  d.labels.forEach((l, i) => {
    if (l !== label) return;
    for (let p = 0; p < 1024; p++) {
      if (p < 512) top += 1 - d.images[i * 1024 + p];
      else bottom += 1 - d.images[i * 1024 + p];
    }
  });
  return bottom / top;
}

dataTest(
  "NIST36 valid: 3,600 upright 32×32 images, 100 a class",
  ["nist36-sub/nist36_valid.mat"],
  async (root) => {
    const d = await loadNist36("valid", { root });
    assert.deepEqual(d.shape, [3600, 1, 32, 32]);
    assert.deepEqual(d.classes, [...NIST36_CLASSES]);
    const counts = new Array(36).fill(0);
    for (const l of d.labels) counts[l]++;
    assert.ok(counts.every((c) => c === 100));
    // upright: a "1" and an "I" are tall strokes, their ink spreads over rows, not columns
    for (const ch of ["1", "I"]) {
      const s = spreads(d, NIST36_CLASSES.indexOf(ch));
      assert.ok(s.rows > 2 * s.cols, `${ch}: row spread ${s.rows} vs column spread ${s.cols}`);
    }
    // an upright L has its bar at the bottom; transposed, the bar would be the top row
    assert.ok(bottomHeavy(d, NIST36_CLASSES.indexOf("L")) > 1.5);
    // ink is dark on white: most pixels are background
    const bright = d.images.filter((v) => v > 0.9).length / d.images.length;
    assert.ok(bright > 0.6, `${bright} of the pixels are white`);
  },
);

dataTest("the 2016 NIST26 letters load with the same orientation rule", [
  "nist26-2016/nist26_valid.mat",
], async (root) => {
  const d = await loadNistFile(`${root}/nist26-2016/nist26_valid.mat`);
  assert.deepEqual(d.shape, [1300, 1, 32, 32]);
  assert.equal(d.classes.length, 26);
  const ratio = bottomHeavy(d, 11); // L
  assert.ok(ratio > 1.5, `L has ${ratio}× more ink at the bottom`);
});

Deno.test("a NIST file without its keys, or with broken labels, is rejected clearly", () => {
  const bytes = makeMat([{ name: "other", class: "double", shape: [1, 1], values: [0] }]);
  assert.throws(
    () => nistFromMat(readMat(bytes, { order: "column" }), "train", "x.mat"),
    (e: Error) =>
      e instanceof FormatError && /no "train_data" and "train_labels"/.test(e.message) &&
      /other/.test(e.message),
  );
  const twoHot = makeMat([
    { name: "test_data", class: "double", shape: [1, 1024], values: new Array(1024).fill(1) },
    {
      name: "test_labels",
      class: "uint8",
      shape: [1, 36],
      values: [1, 1, ...new Array(34).fill(0)],
    },
  ]);
  assert.throws(
    () => nistFromMat(readMat(twoHot, { order: "column" }), "test", "x.mat"),
    /not one-hot/,
  );
});

Deno.test("pixel p of a stored row lands at row p % 32, column p / 32", () => {
  const row = Array.from({ length: 1024 }, (_, p) => p);
  const bytes = makeMat([
    { name: "test_data", class: "double", shape: [1, 1024], values: row },
    {
      name: "test_labels",
      class: "uint8",
      shape: [1, 36],
      values: [0, 0, 1, ...new Array(33).fill(0)],
    },
  ]);
  const d = nistFromMat(readMat(bytes, { order: "column" }), "test", "x.mat");
  assert.equal(d.labels[0], 2);
  // stored pixel 33 is (row 1, column 1); stored pixel 32 is (row 0, column 1)
  assert.equal(d.images[1 * 32 + 1], 33);
  assert.equal(d.images[0 * 32 + 1], 32);
  assert.equal(d.images[1 * 32 + 0], 1);
});
