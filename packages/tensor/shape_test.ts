import assert from "node:assert/strict";
import { broadcastShapes, broadcastStrides, normalizeAxis, sizeOf, stridesOf } from "./shape.ts";
import { coalesce } from "./strided.ts";

Deno.test("broadcastShapes follows NumPy's right-aligned rules", () => {
  assert.deepEqual(broadcastShapes("add", [2, 3], [3]), [2, 3]);
  assert.deepEqual(broadcastShapes("add", [4, 1, 3], [2, 1]), [4, 2, 3]);
  assert.deepEqual(broadcastShapes("add", [], [5, 2]), [5, 2]);
  assert.deepEqual(broadcastShapes("add", [1], [0]), [0]);
});

Deno.test("broadcastShapes names the op and both shapes when they clash", () => {
  assert.throws(
    () => broadcastShapes("mul", [2, 3], [4, 3]),
    (e: Error) =>
      e instanceof TypeError && e.message.includes("mul") && e.message.includes("(2, 3)") &&
      e.message.includes("(4, 3)"),
  );
});

Deno.test("strides are row-major and broadcast axes read with stride 0", () => {
  assert.deepEqual(stridesOf([2, 3, 4]), [12, 4, 1]);
  assert.deepEqual(broadcastStrides([3, 1], [2, 3, 4]), [0, 1, 0]);
  assert.equal(sizeOf([]), 1);
  assert.equal(sizeOf([3, 0]), 0);
});

Deno.test("normalizeAxis accepts negatives and rejects out-of-range axes", () => {
  assert.equal(normalizeAxis("sum", -1, 3), 2);
  assert.throws(() => normalizeAxis("sum", 3, 3), RangeError);
  assert.throws(() => normalizeAxis("sum", -4, 3), /rank 3/);
});

Deno.test("coalesce merges axes walked contiguously by every operand", () => {
  // a contiguous [2,3,4] and a row vector broadcast over the first two axes
  const c = coalesce([2, 3, 4], [[12, 4, 1], [0, 0, 1]]);
  assert.deepEqual(c.shape, [6, 4]);
  assert.deepEqual(c.strides, [[4, 1], [0, 1]]);
  // a transpose cannot merge
  assert.deepEqual(coalesce([3, 2], [[2, 1], [1, 3]]).shape, [3, 2]);
});
