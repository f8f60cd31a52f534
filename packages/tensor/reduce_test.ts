import assert from "node:assert/strict";
import { tensor } from "./creation.ts";
import { assertClose, deviceTest } from "./testing.ts";

const data = [[1, 5, 3], [4, 2, 6]];

deviceTest("sum, mean, max, min over one axis, several, and all", async (device) => {
  const x = tensor(data, { device });
  await assertClose(x.sum(), 21);
  await assertClose(x.sum(0), [5, 7, 9]);
  await assertClose(x.sum(1), [9, 12]);
  await assertClose(x.sum(-1, true), [9, 12]);
  assert.deepEqual(x.sum(-1, true).shape, [2, 1]);
  await assertClose(x.mean(0), [2.5, 3.5, 4.5]);
  await assertClose(x.max(1), [5, 6]);
  await assertClose(x.min(0), [1, 2, 3]);
  await assertClose(x.max([0, 1]), 6);
});

deviceTest("argmax and argmin return the first extreme index", async (device) => {
  const x = tensor([[1, 7, 7], [9, 0, 0]], { device });
  await assertClose(x.argmax(1), [1, 0]);
  await assertClose(x.argmin(1), [0, 1]);
  await assertClose(x.argmax(0), [1, 0, 0]);
});

deviceTest("reductions over non-adjacent axes of a rank-3 tensor", async (device) => {
  const x = tensor(Array.from({ length: 24 }, (_, i) => i), { shape: [2, 3, 4], device });
  // Σ over axes 0 and 2: for j, Σ_i Σ_k (12i + 4j + k) = 2·(4·4j + 6) + 12·4 = 32j + 60
  await assertClose(x.sum([0, 2]), [60, 92, 124]);
  assert.deepEqual(x.sum([0, 2]).shape, [3]);
  assert.deepEqual(x.sum([0, 2], true).shape, [1, 3, 1]);
  assert.deepEqual(x.max([2, 0]).shape, [3]);
  assert.deepEqual(x.sum().shape, []);
  assert.deepEqual(x.argmax(1).shape, [2, 4]);
  assert.deepEqual(x.argmax(1, true).shape, [2, 1, 4]);
});

deviceTest("column sums of growing and shrinking widths, one after another", async (device) => {
  // the CPU keeps its float64 running sums between calls: each call must see only its own
  for (const width of [3, 100, 2]) {
    const x = tensor(Array.from({ length: 3 * width }, (_, i) => i), { shape: [3, width], device });
    await assertClose(
      x.sum(0),
      Array.from({ length: width }, (_, j) => 3 * j + 3 * width),
      {},
      `width ${width}`,
    );
  }
});

deviceTest("long rows reduce correctly (workgroup reduction path)", async (device) => {
  const n = 5000;
  const x = tensor(Array.from({ length: 2 * n }, (_, i) => (i % n) % 7), { shape: [2, n], device });
  const expected = Array.from({ length: n }, (_, i) => i % 7).reduce((s, v) => s + v, 0);
  await assertClose(x.sum(1), [expected, expected]);
  const y = tensor(Array.from({ length: n }, (_, i) => (i === 3777 ? 50 : i % 11)), { device });
  await assertClose(y.argmax(0), 3777);
  await assertClose(y.max(), 50);
});

deviceTest("a bad axis is a RangeError naming the op", (device) => {
  assert.throws(() => tensor(data, { device }).sum(2), /Cannot sum over axis 2/);
  assert.throws(() => tensor(data, { device }).argmax(-3), RangeError);
});
