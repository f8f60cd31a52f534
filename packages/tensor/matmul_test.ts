import assert from "node:assert/strict";
import { randNormal, tensor } from "./creation.ts";
import { Generator } from "./random.ts";
import { matmulBias } from "./matmul.ts";
import { assertClose, deviceTest } from "./testing.ts";

/** Reference product in float64 by the definition C[i,j] = Σ_p A[i,p]·B[p,j]. */
function reference(
  a: Float32Array | Float64Array,
  b: Float32Array | Float64Array,
  m: number,
  k: number,
  n: number,
) {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
      c[i * n + j] = s;
    }
  }
  return c;
}

deviceTest("2×2 product by hand", async (device) => {
  // [1 2; 3 4]·[5 6; 7 8] = [19 22; 43 50]
  const c = tensor([[1, 2], [3, 4]], { device }).matmul(tensor([[5, 6], [7, 8]], { device }));
  await assertClose(c, [19, 22, 43, 50]);
});

deviceTest("odd shapes and every transpose combination match the definition", async (device) => {
  const g = new Generator(5);
  for (const [m, k, n] of [[1, 1, 1], [5, 7, 3], [33, 70, 65], [130, 17, 1]]) {
    const a = randNormal([m, k], 0, 1, { generator: g, device });
    const b = randNormal([k, n], 0, 1, { generator: g, device });
    const expected = reference(await a.data(), await b.data(), m, k, n);
    const tol = { atol: 1e-4, rtol: 1e-4 };
    await assertClose(a.matmul(b), expected, tol, `${m}×${k}·${k}×${n}`);
    await assertClose(a.transpose().matmul(b, { transA: true }), expected, tol, "transA");
    await assertClose(a.matmul(b.transpose(), { transB: true }), expected, tol, "transB");
    await assertClose(
      a.transpose().matmul(b.transpose(), { transA: true, transB: true }),
      expected,
      tol,
      "transA transB",
    );
  }
});

deviceTest("batched product broadcasts a single matrix over the batch", async (device) => {
  const g = new Generator(6);
  const a = randNormal([3, 4, 5], 0, 1, { generator: g, device });
  const b = randNormal([5, 2], 0, 1, { generator: g, device });
  const c = a.matmul(b);
  assert.deepEqual(c.shape, [3, 4, 2]);
  const av = await a.data(), bv = await b.data();
  for (let z = 0; z < 3; z++) {
    const expected = reference(av.subarray(z * 20, z * 20 + 20), bv, 4, 5, 2);
    await assertClose(c.slice([z], [z + 1]).reshape([4, 2]), expected, { atol: 1e-5 });
  }
  // [2,1,m,k] × [3,k,n] broadcasts the batch axes to [2,3]
  const d = randNormal([2, 1, 4, 5], 0, 1, { generator: g, device })
    .matmul(randNormal([3, 5, 2], 0, 1, { generator: g, device }));
  assert.deepEqual(d.shape, [2, 3, 4, 2]);
});

deviceTest("inner-dimension mismatch names both shapes", (device) => {
  const a = tensor([[1, 2, 3]], { device }), b = tensor([[1, 2]], { device });
  assert.throws(
    () => a.matmul(b),
    (e: Error) =>
      e instanceof TypeError && e.message.includes("(1, 3)") && e.message.includes("(1, 2)"),
  );
  assert.throws(() => tensor([1, 2], { device }).matmul(b), /rank 2/);
});

deviceTest(
  "matmulBias equals the product plus the bias, values and gradients, bit for bit",
  async (device) => {
    // on WebGPU the kernel adds the bias as it stores; elsewhere it is the product and an add
    const g = new Generator(8);
    for (const on of ["rows", "cols"] as const) {
      for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
        const [m, k, n] = [37, 29, 70]; // partial tiles both ways
        const a = randNormal(transA ? [k, m] : [m, k], 0, 1, {
          generator: g,
          device,
          requiresGrad: true,
        });
        const b = randNormal(transB ? [n, k] : [k, n], 0, 1, {
          generator: g,
          device,
          requiresGrad: true,
        });
        const bias = randNormal([on === "rows" ? m : n], 0, 1, {
          generator: g,
          device,
          requiresGrad: true,
        });
        const weights = randNormal([m, n], 0, 1, { generator: g, device });
        const fused = matmulBias(a, b, bias, { transA, transB, on });
        fused.mul(weights).sum().backward();
        const grads = [await a.grad!.data(), await b.grad!.data(), await bias.grad!.data()];
        for (const t of [a, b, bias]) t.zeroGrad();
        const product = a.matmul(b, { transA, transB });
        const composed = product.add(on === "rows" ? bias.reshape([m, 1]) : bias);
        composed.mul(weights).sum().backward();
        const want = [await a.grad!.data(), await b.grad!.data(), await bias.grad!.data()];
        const label = `${device.name} on ${on} transA ${transA} transB ${transB}`;
        const [f, c] = [await fused.data(), await composed.data()];
        assert.deepEqual(fused.shape, [m, n]);
        for (let i = 0; i < c.length; i++) assert.ok(Object.is(f[i], c[i]), `${label} [${i}]`);
        for (const [j, name] of ["a", "b", "bias"].entries()) {
          for (let i = 0; i < want[j].length; i++) {
            assert.ok(Object.is(grads[j][i], want[j][i]), `${label} ∂${name}[${i}]`);
          }
        }
      }
    }
    const x = tensor([[1, 2]], { device });
    assert.throws(
      () =>
        matmulBias(x, tensor([[3], [4]], { device }), tensor([1, 2], { device }), { on: "cols" }),
      /expected two matrices and a bias of 1 \(one per column\)/,
    );
  },
);
