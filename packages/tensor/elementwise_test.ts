import assert from "node:assert/strict";
import { tensor } from "./creation.ts";
import { reluBackward, sigmoidBackward, where } from "./elementwise.ts";
import { assertClose, deviceTest } from "./testing.ts";

deviceTest("unary ops give known values", async (device) => {
  const x = tensor([-2, -0.5, 0, 0.5, 2], { device });
  await assertClose(x.neg(), [2, 0.5, -0, -0.5, -2]);
  await assertClose(x.abs(), [2, 0.5, 0, 0.5, 2]);
  await assertClose(x.sign(), [-1, -1, 0, 1, 1]);
  await assertClose(x.relu(), [0, 0, 0, 0.5, 2]);
  // σ(0) = ½, σ(2) = 1/(1+e⁻²) = 0.880797
  await assertClose(x.sigmoid(), [0.119203, 0.377541, 0.5, 0.622459, 0.880797]);
  await assertClose(x.tanh(), [-0.964028, -0.462117, 0, 0.462117, 0.964028]);
  await assertClose(x.exp(), [0.135335, 0.606531, 1, 1.648721, 7.389056]);
  const p = tensor([0.25, 1, 4], { device });
  await assertClose(p.sqrt(), [0.5, 1, 2]);
  await assertClose(p.log(), [-1.386294, 0, 1.386294]);
});

deviceTest("sigmoid stays finite at extreme inputs", async (device) => {
  const y = await tensor([-1000, -88, 88, 1000], { device }).sigmoid().data();
  assert.ok(y.every(Number.isFinite));
  assert.equal(y[0], 0);
  assert.equal(y[3], 1);
});

deviceTest("binary ops broadcast a row, a column and a scalar", async (device) => {
  const a = tensor([[1, 2, 3], [4, 5, 6]], { device });
  const row = tensor([10, 20, 30], { device });
  const col = tensor([[100], [200]], { device });
  await assertClose(a.add(row), [11, 22, 33, 14, 25, 36]);
  await assertClose(a.sub(col), [-99, -98, -97, -196, -195, -194]);
  await assertClose(a.mul(2), [2, 4, 6, 8, 10, 12]);
  await assertClose(a.div(row), [0.1, 0.1, 0.1, 0.4, 0.25, 0.2]);
  // a [2,1] column against a [3] row gives [2,3]
  await assertClose(col.add(row), [110, 120, 130, 210, 220, 230]);
  assert.deepEqual(col.add(row).shape, [2, 3]);
});

deviceTest("broadcasting works on a middle axis of a rank-4 tensor", async (device) => {
  const x = tensor(Array.from({ length: 24 }, (_, i) => i), { shape: [2, 3, 2, 2], device });
  const c = tensor([1, 10, 100], { shape: [1, 3, 1, 1], device });
  const y = await x.mul(c).data();
  for (let i = 0; i < 24; i++) assert.equal(y[i], i * [1, 10, 100][Math.floor(i / 4) % 3]);
});

deviceTest("pow, maximum, minimum and comparisons", async (device) => {
  const a = tensor([-2, 0, 3], { device }), b = tensor([2, 1, 2], { device });
  await assertClose(a.pow(b), [4, 0, 9]);
  await assertClose(a.pow(3), [-8, 0, 27]);
  await assertClose(a.maximum(b), [2, 1, 3]);
  await assertClose(a.minimum(b), [-2, 0, 2]);
  await assertClose(a.lt(b), [1, 1, 0]);
  await assertClose(a.ge(b), [0, 0, 1]);
  await assertClose(a.eq(0), [0, 1, 0]);
  await assertClose(a.ne(0), [1, 0, 1]);
  await assertClose(a.le(-2), [1, 0, 0]);
  await assertClose(a.gt(-2), [0, 1, 1]);
  await assertClose(a.clamp(-1, 1), [-1, 0, 1]);
});

deviceTest("addScaled is a + alpha·b and refuses broadcasting", async (device) => {
  const a = tensor([1, 2, 3], { device }), b = tensor([10, 20, 30], { device });
  await assertClose(a.addScaled(b, -0.5), [-4, -8, -12]);
  assert.throws(() => a.addScaled(tensor([1], { device }), 2), /shapes must be equal/);
});

deviceTest("where selects with broadcasting", async (device) => {
  const cond = tensor([[1], [0]], { device });
  const y = where(cond, tensor([1, 2, 3], { device }), -1);
  await assertClose(y, [1, 2, 3, -1, -1, -1]);
});

deviceTest("odd sizes and empty tensors", async (device) => {
  const n = 1031; // not a multiple of any workgroup size
  const x = tensor(Array.from({ length: n }, (_, i) => i), { device });
  const y = await x.add(x).data();
  assert.equal(y[n - 1], 2 * (n - 1));
  const empty = tensor([], { shape: [0, 3], device });
  assert.deepEqual(empty.add(1).shape, [0, 3]);
});

deviceTest("mismatched shapes name the op and both shapes", (device) => {
  const a = tensor([1, 2, 3], { device }), b = tensor([1, 2], { device });
  assert.throws(() => a.add(b), /Cannot add shapes \(3\) and \(2\)/);
});

Deno.test("mixing dtypes is a TypeError that names both", () => {
  const a = tensor([1], { dtype: "float32" }), b = tensor([1], { dtype: "float64" });
  assert.throws(
    () => a.mul(b),
    (e: Error) => e instanceof TypeError && /float32.*float64/.test(e.message),
  );
});

deviceTest("fused activation backwards equal their composed forms", async (device) => {
  const g = tensor([[1.5, -2, 3], [0.25, 4, -1]], { device });
  const y = tensor([[0.2, 0, 0.9], [-0.3, 1, 0.5]], { device });
  // sigmoid: g·y·(1 − y)
  await assertClose(sigmoidBackward(g, y), [0.24, 0, 0.27, -0.0975, 0, -0.25]);
  // relu: g where y > 0 (0 at y = 0 and below)
  await assertClose(reluBackward(g, y), [1.5, 0, 3, 0, 4, -1]);
  assert.throws(() => reluBackward(g, y.reshape([3, 2])), /reluGrad: gradient \(2, 3\)/);
});
