import assert from "node:assert/strict";
import { tensor } from "./creation.ts";
import { allocLargeArray } from "./dtype.ts";
import { deviceTest } from "./testing.ts";

deviceTest("tensor({ adopt }) keeps the values and frees the array it took", async (device) => {
  const data = Float32Array.from({ length: 6 }, (_, i) => i + 0.5);
  using t = tensor(data, { shape: [2, 3], device, adopt: true });
  assert.equal(data.length, 0, "the adopted array is empty");
  assert.ok(data.buffer.detached);
  assert.deepEqual([...await t.data()], [0.5, 1.5, 2.5, 3.5, 4.5, 5.5]);
  // converted on the way (float64 in, float32 tensor) and still freed
  const doubles = new Float64Array([1, 2]);
  using f = tensor(doubles, { dtype: "float32", device, adopt: true });
  assert.equal(doubles.length, 0);
  assert.deepEqual([...await f.data()], [1, 2]);
});

deviceTest("tensor() without adopt leaves the caller's array alone", async (device) => {
  const data = new Float32Array([1, 2, 3]);
  using t = tensor(data, { device });
  data[0] = 9;
  assert.deepEqual([...await t.data()], [1, 2, 3]);
});

Deno.test("adopt refuses a view that shares its buffer, and nested arrays", () => {
  const whole = new Float32Array(8);
  assert.throws(() => tensor(whole.subarray(2, 6), { adopt: true }), /owning its whole/);
  assert.equal(whole.length, 8, "nothing was freed");
  assert.throws(() => tensor([1, 2], { adopt: true }), /owning its whole/);
});

deviceTest(
  "arrays from allocLargeArray upload, multiply and free like any other",
  async (device) => {
    const a = allocLargeArray("float32", 4 * 3);
    assert.ok(a instanceof Float32Array && a.length === 12 && a.every((v) => v === 0));
    a.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    using x = tensor(a, { shape: [4, 3], device, adopt: true });
    assert.equal(a.length, 0, "adopted and freed");
    using w = tensor([[1, 0], [0, 1], [1, 1]], { device });
    using y = x.matmul(w);
    assert.deepEqual([...await y.data()], [4, 5, 10, 11, 16, 17, 22, 23]);
    assert.ok(allocLargeArray("float64", 2) instanceof Float64Array);
  },
);
