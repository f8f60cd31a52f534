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
  const rows = indexSelect(
    tensor([[1, 2], [3, 4], [5, 6]], { device }),
    0,
    tensor([2, 0, 2], { device }),
  );
  await assertClose(rows, [5, 6, 1, 2, 5, 6]);
});

Deno.test("an out-of-range gather index is a RangeError on the CPU", () => {
  assert.throws(() => tensor([[1, 2]]).gather(1, tensor([[5]])), /index 5 is outside \[0, 2\)/);
});
