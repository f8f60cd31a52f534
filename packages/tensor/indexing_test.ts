import assert from "node:assert/strict";
import { tensor } from "./creation.ts";
import { indexSelect, oneHot, scatterAdd } from "./indexing.ts";
import { assertClose, deviceTest } from "./testing.ts";

deviceTest("gather picks along an axis", async (device) => {
  const x = tensor([[10, 11, 12], [20, 21, 22]], { device });
  await assertClose(x.gather(1, tensor([[2, 0], [1, 1]], { device })), [12, 10, 21, 21]);
  await assertClose(x.gather(0, tensor([[1, 0, 1]], { device })), [20, 11, 22]);
  assert.throws(() => x.gather(1, tensor([[0]], { device })), /extents other than axis 1/);
});

deviceTest("scatterAdd sums repeated indices", async (device) => {
  const y = scatterAdd(tensor([[1, 2, 3]], { device }), 1, tensor([[0, 2, 0]], { device }), 4);
  await assertClose(y, [4, 0, 2, 0]);
});

deviceTest("oneHot and indexSelect", async (device) => {
  await assertClose(oneHot(tensor([2, 0], { device }), 3), [0, 0, 1, 1, 0, 0]);
  // indices of any shape; one that names no class gives a row of zeros
  const hot = oneHot(tensor([[1, 3], [-1, 0.5]], { device }), 3);
  assert.deepEqual(hot.shape, [2, 2, 3]);
  await assertClose(hot, [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  // enough rows for several GPU workgroups: each row's 1 in its place
  const labels = Array.from({ length: 300 }, (_, i) => (i * 7) % 36);
  const table = await oneHot(tensor(labels, { device }), 36).data();
  labels.forEach((c, r) => {
    for (let j = 0; j < 36; j++) assert.equal(table[r * 36 + j], j === c ? 1 : 0, `row ${r}`);
  });
  const rows = indexSelect(
    tensor([[1, 2], [3, 4], [5, 6]], { device }),
    0,
    tensor([2, 0, 2], { device }),
  );
  await assertClose(rows, [5, 6, 1, 2, 5, 6]);
});

deviceTest("indexSelect copies short and long slices alike, along any axis", async (device) => {
  // rows of 3 and of 70 elements (the CPU copies slices under 64 by element, longer ones whole)
  for (const width of [3, 70]) {
    const values = Array.from({ length: 4 * width }, (_, i) => i);
    const x = tensor(values, { shape: [4, width], device });
    const picked = [3, 0, 3, 1];
    await assertClose(
      indexSelect(x, 0, tensor(picked, { device })),
      picked.flatMap((r) => values.slice(r * width, (r + 1) * width)),
      {},
      `rows of ${width}`,
    );
    // along the last axis: slices of one element, under every row
    await assertClose(
      indexSelect(x, 1, tensor([2, 0], { device })),
      [0, 1, 2, 3].flatMap((r) => [values[r * width + 2], values[r * width]]),
      {},
      `columns of ${width}`,
    );
  }
});

Deno.test("an out-of-range gather index is a RangeError on the CPU", () => {
  assert.throws(() => tensor([[1, 2]]).gather(1, tensor([[5]])), /index 5 is outside \[0, 2\)/);
});
