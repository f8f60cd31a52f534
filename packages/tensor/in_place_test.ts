import assert from "node:assert/strict";
import { randNormal, tensor } from "./creation.ts";
import { Generator } from "./random.ts";
import { noGrad } from "./autograd.ts";
import { assertClose, deviceTest, eachKernelPath } from "./testing.ts";

deviceTest("addScaledInPlace writes into the storage every shared handle sees", async (device) => {
  await eachKernelPath(device, async (path) => {
    const g = new Generator(1);
    // 3000 elements: past the size where the CPU's arrays move into the WebAssembly heap
    const w = randNormal([3, 1000], 0, 1, { generator: g, device });
    const step = randNormal([3, 1000], 0, 1, { generator: g, device });
    const before = w.clone();
    const alias = w.reshape([3000]);
    const expected = w.addScaled(step, -0.25);
    assert.equal(w.addScaledInPlace(step, -0.25), w);
    await assertClose(w, expected, { atol: 0 }, path);
    await assertClose(alias, await expected.data(), { atol: 0 }, `${path}: shared handle`);
    await assertClose(before, w.addScaled(step, 0.25), { atol: 1e-6 }, `${path}: the clone`);
  });
});

deviceTest(
  "addMatmulInPlace adds α·op(a)·op(b) for every transpose, batches too",
  async (device) => {
    await eachKernelPath(device, async (path) => {
      const g = new Generator(2);
      // 33×70·70×65 takes the fast kernels; 5×7·7×3 the small-product loop
      for (const [m, k, n] of [[33, 70, 65], [5, 7, 3]]) {
        const a = randNormal([m, k], 0, 1, { generator: g, device });
        const b = randNormal([k, n], 0, 1, { generator: g, device });
        const c0 = randNormal([m, n], 0, 1, { generator: g, device });
        const expected = c0.addScaled(a.matmul(b), -0.5);
        const at = a.transpose(), bt = b.transpose();
        const cases = [
          ["plain", a, b, {}],
          ["transA", at, b, { transA: true }],
          ["transB", a, bt, { transB: true }],
          ["both", at, bt, { transA: true, transB: true }],
        ] as const;
        for (const [name, x, y, options] of cases) {
          const c = c0.clone();
          c.addMatmulInPlace(x, y, -0.5, options);
          await assertClose(
            c,
            expected,
            { atol: 1e-4, rtol: 1e-4 },
            `${path} ${m}×${k}×${n} ${name}`,
          );
        }
      }
      const a = randNormal([4, 6, 5], 0, 1, { generator: g, device });
      const b = randNormal([5, 3], 0, 1, { generator: g, device });
      const c = randNormal([4, 6, 3], 0, 1, { generator: g, device });
      const expected = c.addScaled(a.matmul(b), 2);
      await assertClose(c.addMatmulInPlace(a, b, 2), expected, { atol: 1e-4 }, `${path} batch`);
      if (device.supportsFloat64) {
        // float64: dgemm with β = 1 where a BLAS serves, the reference loops elsewhere
        const opts = { generator: g, device, dtype: "float64" } as const;
        const a64 = randNormal([40, 30], 0, 1, opts), b64 = randNormal([30, 20], 0, 1, opts);
        const c64 = randNormal([40, 20], 0, 1, opts);
        const want = c64.addScaled(a64.matmul(b64), -0.5);
        c64.addMatmulInPlace(a64, b64, -0.5);
        assert.equal(c64.dtype, "float64");
        await assertClose(c64, want, { atol: 1e-12, rtol: 1e-12 }, `${path} float64`);
      }
    });
  },
);

deviceTest("addMatmulInPlace with the target as a factor uses its old values", async (device) => {
  await eachKernelPath(device, async (path) => {
    const g = new Generator(3);
    const c = randNormal([40, 40], 0, 1, { generator: g, device });
    const x = randNormal([40, 40], 0, 1, { generator: g, device });
    const expected = c.addScaled(c.matmul(x), 0.1);
    c.addMatmulInPlace(c, x, 0.1);
    await assertClose(c, expected, { atol: 1e-4, rtol: 1e-4 }, path);
  });
});

deviceTest("in-place updates refuse what they must not change", async (device) => {
  const w = tensor([[1, 2], [3, 4]], { device });
  assert.throws(() => w.addScaledInPlace(tensor([1, 2], { device }), 1), /shapes must be equal/);
  assert.throws(
    () =>
      w.addMatmulInPlace(tensor([[1, 2, 3]], { device }), tensor([[1], [2], [3]], { device }), 1),
    /Cannot addMatmulInPlace a \(1, 1\) product to \(2, 2\)/,
  );
  assert.throws(
    () => w.addMatmulInPlace(tensor([[1, 2]], { device }), tensor([[1], [2], [3]], { device }), 1),
    /inner dimensions 2 and 3 differ/,
  );
  const leaf = tensor([1, 2], { device });
  leaf.requiresGrad = true;
  assert.throws(() => leaf.addScaledInPlace(leaf, 1), /under noGrad\(\)/);
  noGrad(() => leaf.addScaledInPlace(tensor([1, 1], { device }), 1));
  await assertClose(leaf, [2, 3], { atol: 0 });
  const computed = leaf.mul(2);
  assert.throws(() => computed.addScaledInPlace(leaf, 1), /computed by mul/);
  const gone = tensor([1], { device });
  gone.dispose();
  assert.throws(() => gone.addScaledInPlace(tensor([1], { device }), 1), /after dispose/);
});

deviceTest("clone copies the storage and passes the gradient through", async (device) => {
  const x = tensor([1, 2, 3], { device });
  x.requiresGrad = true;
  const y = x.clone();
  assert.notEqual(y.buffer, x.buffer);
  y.mul(y).sum().backward();
  await assertClose(x.grad!, [2, 4, 6]);
  const copy = noGrad(() => x.clone());
  copy.addScaledInPlace(tensor([1, 1, 1], { device }), 1);
  await assertClose(copy, [2, 3, 4], { atol: 0 });
  await assertClose(x, [1, 2, 3], { atol: 0 });
});
