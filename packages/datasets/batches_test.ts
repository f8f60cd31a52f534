import assert from "node:assert/strict";
import { Generator } from "@recognize/tensor";
import { BatchIterator, getRandomBatches } from "./batches.ts";
import {
  augmentInPlace,
  centerCrop,
  crop,
  hflipInPlace,
  normalizeInPlace,
  resizePlanes,
} from "./transforms.ts";
import type { ImageDataset } from "./dataset.ts";

const data: ImageDataset = {
  images: Float32Array.from({ length: 10 }, (_, i) => i),
  shape: [10, 1, 1, 1],
  labels: Int32Array.from({ length: 10 }, (_, i) => i),
  classes: ["c"],
  source: "test",
};

Deno.test("getRandomBatches covers every sample once, in random order", () => {
  const batches = getRandomBatches(data, 4, new Generator(1));
  assert.deepEqual(batches.map((b) => b.size), [4, 4, 2]);
  const seen = batches.flatMap((b) => [...b.labels]);
  assert.deepEqual([...seen].sort((a, b) => a - b), [...data.labels]);
  assert.notDeepEqual(seen, [...data.labels]);
  // images travel with their labels
  for (const b of batches) b.labels.forEach((l, i) => assert.equal(b.x[i], l));
  assert.throws(() => getRandomBatches(data, 0), RangeError);
});

Deno.test("the batch iterator reshuffles every epoch and can drop the last batch", () => {
  const it = new BatchIterator(data, { batchSize: 3, generator: new Generator(2) });
  const e1 = [...it.epoch()].flatMap((b) => [...b.labels]);
  const e2 = [...it.epoch()].flatMap((b) => [...b.labels]);
  assert.notDeepEqual(e1, e2);
  assert.equal(it.length, 4);
  const dropped = new BatchIterator(data, { batchSize: 3, dropLast: true, shuffle: false });
  assert.deepEqual([...dropped.epoch()].map((b) => [...b.labels]), [[0, 1, 2], [3, 4, 5], [
    6,
    7,
    8,
  ]]);
});

Deno.test("resize keeps constants constant and averages when shrinking", () => {
  const flat = new Float32Array(2 * 8 * 6).fill(0.25);
  const r = resizePlanes(flat, 2, 8, 6, 3, 5);
  assert.equal(r.length, 2 * 3 * 5);
  assert.ok(r.every((v) => Math.abs(v - 0.25) < 1e-6));
  // a 1-pixel checkerboard shrunk 4× becomes its mean
  const checker = Float32Array.from({ length: 64 }, (_, i) => (Math.floor(i / 8) + i) % 2);
  const small = resizePlanes(checker, 1, 8, 8, 2, 2);
  assert.ok(small.every((v) => Math.abs(v - 0.5) < 0.05), `${small}`);
  // upscaling a 2-pixel ramp interpolates between the two
  const up = resizePlanes(Float32Array.from([0, 1]), 1, 1, 2, 1, 4);
  assert.deepEqual([...up].map((v) => Math.round(v * 100) / 100), [0, 0.25, 0.75, 1]);
});

Deno.test("crop, center crop, flip and normalize", () => {
  const img = Float32Array.from({ length: 16 }, (_, i) => i); // 1×4×4
  assert.deepEqual([...centerCrop(img, [1, 4, 4], 2, 2)], [5, 6, 9, 10]);
  assert.deepEqual([...crop(img, [1, 4, 4], -1, -1, 2, 2, -9)], [-9, -9, -9, 0]);
  const row = Float32Array.from([1, 2, 3]);
  hflipInPlace(row, [1, 1, 3]);
  assert.deepEqual([...row], [3, 2, 1]);
  const two = Float32Array.from([1, 1, 3, 3]);
  normalizeInPlace(two, 2, 2, [1, 2], [1, 0.5]);
  assert.deepEqual([...two], [0, 0, 2, 2]);
});

Deno.test("augmentation shifts and flips but keeps every value from the image or the padding", () => {
  const g = new Generator(5);
  const batch = Float32Array.from({ length: 2 * 16 }, (_, i) => (i % 16) + 1);
  augmentInPlace(batch, [1, 4, 4], 1, g);
  assert.ok(batch.every((v) => v === 0 || (v >= 1 && v <= 16)));
  assert.ok(batch.some((v, i) => v !== (i % 16) + 1));
  // a batch that is not whole images of the stated shape is a caller's bug, not a silent no-op
  assert.throws(() => augmentInPlace(batch, [1, 5, 5], 1, g), /not whole images/);
});
