import assert from "node:assert/strict";
import { tensor } from "./creation.ts";
import { concat } from "./movement.ts";
import { assertClose, deviceTest } from "./testing.ts";

const x = (device: Parameters<Parameters<typeof deviceTest>[1]>[0]) =>
  tensor(Array.from({ length: 24 }, (_, i) => i), { shape: [2, 3, 4], device });

deviceTest("reshape shares elements and infers one extent", async (device) => {
  const y = x(device).reshape([4, -1]);
  assert.deepEqual(y.shape, [4, 6]);
  await assertClose(y.slice([1], [2]), [6, 7, 8, 9, 10, 11]);
  assert.throws(() => x(device).reshape([5, -1]), /Cannot reshape/);
  assert.deepEqual(x(device).flatten(1).shape, [2, 12]);
  assert.deepEqual(x(device).unsqueeze(1).shape, [2, 1, 3, 4]);
  assert.deepEqual(x(device).unsqueeze(1).squeeze(1).shape, [2, 3, 4]);
});

deviceTest("permute and transpose move elements to the permuted positions", async (device) => {
  const p = x(device).permute([2, 0, 1]);
  assert.deepEqual(p.shape, [4, 2, 3]);
  const v = await p.data();
  // p[k, i, j] = x[i, j, k] = 12i + 4j + k
  for (let k = 0; k < 4; k++) {
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) assert.equal(v[k * 6 + i * 3 + j], 12 * i + 4 * j + k);
    }
  }
  await assertClose(tensor([[1, 2, 3], [4, 5, 6]], { device }).transpose(), [1, 4, 2, 5, 3, 6]);
  assert.throws(() => x(device).permute([0, 0, 1]), /not a permutation/);
});

deviceTest("expand broadcasts a column", async (device) => {
  await assertClose(tensor([[1], [2]], { device }).expand([2, 3]), [1, 1, 1, 2, 2, 2]);
  assert.throws(() => tensor([1, 2], { device }).expand([3]), /Cannot expand/);
});

deviceTest("slice with negatives and open ends", async (device) => {
  const s = x(device).slice([1, -2, 1], [undefined, undefined, 3]);
  assert.deepEqual(s.shape, [1, 2, 2]);
  await assertClose(s, [17, 18, 21, 22]);
});

deviceTest("pad with a constant, then slice back", async (device) => {
  const a = tensor([[1, 2], [3, 4]], { device });
  const p = a.pad([[1, 0], [0, 2]], -1);
  assert.deepEqual(p.shape, [3, 4]);
  await assertClose(p, [-1, -1, -1, -1, 1, 2, -1, -1, 3, 4, -1, -1]);
  await assertClose(p.slice([1, 0], [3, 2]), a);
});

deviceTest("concat along each axis", async (device) => {
  const a = tensor([[1, 2]], { device }), b = tensor([[3, 4], [5, 6]], { device });
  await assertClose(concat([a, b], 0), [1, 2, 3, 4, 5, 6]);
  await assertClose(concat([b, b], 1), [3, 4, 3, 4, 5, 6, 5, 6]);
  assert.throws(() => concat([a, b], 1), /Cannot concat \(1, 2\) and \(2, 2\)/);
});
