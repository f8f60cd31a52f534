import assert from "node:assert/strict";
import { randNormal, tensor, zeros } from "./creation.ts";
import { Generator } from "./random.ts";
import { noGrad } from "./autograd.ts";
import { assertClose, deviceTest, eachKernelPath } from "./testing.ts";
import type { AdamScalars, Backend } from "./backend.ts";
import type { TypedArray } from "./dtype.ts";
import type { Tensor } from "./tensor.ts";
import { cpuBackend } from "./device.ts";

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

/** One Adam step as the ten composed ops the fused one replaces. */
function composedAdam(p: Tensor, g: Tensor, m: Tensor, v: Tensor, s: AdamScalars): void {
  noGrad(() => {
    using km = m.mul(s.beta1);
    using nm = km.addScaled(g, 1 - s.beta1);
    m.assign(nm);
    using kv = v.mul(s.beta2);
    using g2 = g.mul(g);
    using nv = kv.addScaled(g2, 1 - s.beta2);
    v.assign(nv);
    using vh = v.mul(s.vScale);
    using root = vh.sqrt();
    using denom = root.add(s.eps);
    using ratio = m.div(denom);
    p.addScaledInPlace(ratio, s.step);
  });
}

/** The optimizer tests' length: past the CPU heap's size and not a multiple of a GPU workgroup. */
const STEP_SIZE = 3001;

/** A gradient for the optimizer tests: values from 1e-6 to 1e3 in size, and exact zeros. */
function scaledGradient(gen: Generator, device: Backend, dtype: "float32" | "float64"): Tensor {
  const values = gen.fillNormal(new Float64Array(STEP_SIZE)).map((x, i) =>
    i % 17 === 0 ? 0 : x * 10 ** ((i % 10) - 6)
  );
  return tensor(values, { device, dtype });
}

/** Steps 1..4 of Adam (lr 0.01) over weights, gradients of several scales, and moments. */
async function adamSteps(
  device: Backend,
  dtype: "float32" | "float64",
  update: (p: Tensor, g: Tensor, m: Tensor, v: Tensor, s: AdamScalars) => void,
): Promise<TypedArray[]> {
  const gen = new Generator(9);
  const p = randNormal([STEP_SIZE], 0, 1, { generator: gen, device, dtype });
  const m = zeros([STEP_SIZE], { device, dtype }), v = zeros([STEP_SIZE], { device, dtype });
  for (let t = 1; t <= 4; t++) {
    using g = scaledGradient(gen, device, dtype);
    update(p, g, m, v, {
      beta1: 0.9,
      beta2: 0.999,
      vScale: 1 / (1 - 0.999 ** t),
      eps: 1e-8,
      step: -0.01 / (1 - 0.9 ** t),
    });
  }
  return [await p.data(), await m.data(), await v.data()];
}

Deno.test("adamStepInPlace gives the ten composed ops' bits on the CPU", async () => {
  for (const dtype of ["float32", "float64"] as const) {
    await eachKernelPath(cpuBackend(), async (path) => {
      const fused = await adamSteps(cpuBackend(), dtype, (p, g, m, v, s) => {
        noGrad(() => p.adamStepInPlace(g, m, v, s));
      });
      const composed = await adamSteps(cpuBackend(), dtype, composedAdam);
      for (const [k, name] of ["weights", "first moment", "second moment"].entries()) {
        assert.deepEqual(fused[k], composed[k], `${dtype} ${path}: ${name}`);
      }
    });
  }
});

deviceTest("adamStepInPlace keeps every storage and matches the CPU", async (device) => {
  const expected = await adamSteps(cpuBackend(), "float32", composedAdam);
  const gen = new Generator(3);
  const buffers: unknown[] = [];
  const got = await adamSteps(device, "float32", (p, g, m, v, s) => {
    const before = [p.buffer, m.buffer, v.buffer];
    noGrad(() => p.adamStepInPlace(g, m, v, s));
    assert.deepEqual([p.buffer, m.buffer, v.buffer], before, "updated where they are");
    buffers.push(p.buffer);
  });
  for (const [k, name] of ["weights", "first moment", "second moment"].entries()) {
    // float32 rounding of a sum that cancels: within a millionth of the array's largest value
    const atol = 1e-6 * Math.max(...Array.from(expected[k], Math.abs));
    await assertClose(got[k], expected[k], { rtol: 1e-5, atol }, `${device.name}: ${name}`);
  }
  // what it refuses
  const w = randNormal([4], 0, 1, { generator: gen, device, requiresGrad: true });
  const z = () => zeros([4], { device });
  const s = { beta1: 0.9, beta2: 0.999, vScale: 1000, eps: 1e-8, step: -0.1 };
  assert.throws(() => w.adamStepInPlace(z(), z(), z(), s), /requires gradients/);
  assert.throws(
    () => noGrad(() => w.adamStepInPlace(zeros([5], { device }), z(), z(), s)),
    /gradient of shape \(5\)/,
  );
  const shared = z();
  assert.throws(
    () => noGrad(() => w.adamStepInPlace(z(), shared, shared, s)),
    /must not share storage/,
  );
});

/** One momentum step as the three composed ops the fused one replaces (the homework's Q5 loop). */
function composedMomentum(p: Tensor, g: Tensor, m: Tensor, momentum: number, step: number): void {
  noGrad(() => {
    using kept = m.mul(momentum);
    kept.addScaledInPlace(g, step);
    m.assign(kept);
    p.addScaledInPlace(m, 1);
  });
}

/** Five momentum steps (lr 0.01, μ 0.9) over weights and gradients of several scales. */
async function momentumSteps(
  device: Backend,
  dtype: "float32" | "float64",
  update: (p: Tensor, g: Tensor, m: Tensor, momentum: number, step: number) => void,
): Promise<TypedArray[]> {
  const gen = new Generator(12);
  const p = randNormal([STEP_SIZE], 0, 1, { generator: gen, device, dtype });
  const m = zeros([STEP_SIZE], { device, dtype });
  for (let t = 1; t <= 5; t++) {
    using g = scaledGradient(gen, device, dtype);
    update(p, g, m, 0.9, -0.01);
  }
  return [await p.data(), await m.data()];
}

Deno.test("momentumStepInPlace gives the three composed ops' bits on the CPU", async () => {
  for (const dtype of ["float32", "float64"] as const) {
    await eachKernelPath(cpuBackend(), async (path) => {
      const fused = await momentumSteps(cpuBackend(), dtype, (p, g, m, mu, step) => {
        noGrad(() => p.momentumStepInPlace(g, m, mu, step));
      });
      const composed = await momentumSteps(cpuBackend(), dtype, composedMomentum);
      for (const [k, name] of ["weights", "velocity"].entries()) {
        assert.deepEqual(fused[k], composed[k], `${dtype} ${path}: ${name}`);
      }
    });
  }
});

deviceTest("momentumStepInPlace keeps both storages and matches the CPU", async (device) => {
  const expected = await momentumSteps(cpuBackend(), "float32", composedMomentum);
  const got = await momentumSteps(device, "float32", (p, g, m, mu, step) => {
    const before = [p.buffer, m.buffer];
    noGrad(() => p.momentumStepInPlace(g, m, mu, step));
    assert.deepEqual([p.buffer, m.buffer], before, "updated where they are");
  });
  for (const [k, name] of ["weights", "velocity"].entries()) {
    const atol = 1e-6 * Math.max(...Array.from(expected[k], Math.abs));
    await assertClose(got[k], expected[k], { rtol: 1e-5, atol }, `${device.name}: ${name}`);
  }
  // what it refuses
  const gen = new Generator(4);
  const w = randNormal([4], 0, 1, { generator: gen, device, requiresGrad: true });
  const z = () => zeros([4], { device });
  assert.throws(() => w.momentumStepInPlace(z(), z(), 0.9, -0.1), /requires gradients/);
  const plain = z();
  assert.throws(
    () => noGrad(() => plain.momentumStepInPlace(z(), zeros([5], { device }), 0.9, -0.1)),
    /velocity of shape \(5\)/,
  );
  const shared = z();
  assert.throws(
    () => noGrad(() => plain.momentumStepInPlace(shared, shared, 0.9, -0.1)),
    /must not share storage/,
  );
});

deviceTest("addSumInPlace adds the scaled first-axis sum where the target is", async (device) => {
  await eachKernelPath(device, async (path) => {
    for (
      const dtype of device.supportsFloat64 ? ["float32", "float64"] as const : ["float32"] as const
    ) {
      const g = new Generator(14);
      // rows a batch of 32 and of 257 (past a GPU reduction's one-thread rows); 3001
      // columns (past the CPU heap's size, not a multiple of a GPU workgroup)
      for (const [rows, shape] of [[32, [3001]], [257, [7, 11]]] as const) {
        const b = randNormal([...shape], 0, 1, { generator: g, device, dtype });
        const d = randNormal([rows, ...shape], 0, 1, { generator: g, device, dtype });
        using sum = d.sum(0);
        const composed = await b.addScaled(sum, -0.01).data();
        const storage = b.buffer;
        b.addSumInPlace(d, -0.01);
        assert.equal(b.buffer, storage);
        const label = `${device.name} ${path} ${dtype} ${rows} rows`;
        // the sum and the axpy it replaces, bit for bit (on a GPU, one thread a
        // column adds the rows in the order the sum's kernel would)
        assert.deepEqual(await b.data(), composed, label);
      }
    }
  });
  const b = zeros([3], { device });
  assert.throws(() => b.addSumInPlace(zeros([2, 4], { device }), 1), /shapes after the first axis/);
  assert.throws(() => b.addSumInPlace(b.reshape([1, 3]), 1), /own storage/);
  const w = randNormal([3], 0, 1, { device, requiresGrad: true });
  assert.throws(() => w.addSumInPlace(zeros([2, 3], { device }), 1), /requires gradients/);
});

deviceTest("scaleAddInPlace keeps its storage and gives α·a + β·b", async (device) => {
  const g = new Generator(8);
  const a = randNormal([3001], 0, 1, { generator: g, device });
  const b = randNormal([3001], 0, 1, { generator: g, device });
  const expected = await noGrad(() => a.mul(0.9).add(b.mul(0.1 * 1.5))).data();
  const storage = a.buffer;
  noGrad(() => a.scaleAddInPlace(0.9, b, 0.1 * 1.5));
  assert.equal(a.buffer, storage);
  await assertClose(a, expected, { atol: 1e-6, rtol: 1e-6 }, device.name);
  assert.throws(() => noGrad(() => a.scaleAddInPlace(0.5, a, 0.5)), /with itself/);
  assert.throws(
    () => noGrad(() => a.scaleAddInPlace(0.5, randNormal([5], 0, 1, { device }), 0.5)),
    /shapes must be equal/,
  );
});
