// WebGPU-only properties: two-dimensional dispatch, the buffer pool, and
// batching of a training step into few submits.

import assert from "node:assert/strict";
import { full, randNormal, tensor } from "../creation.ts";
import { matmulBias } from "../matmul.ts";
import { crossEntropy } from "../loss.ts";
import { noGrad } from "../autograd.ts";
import type { Tensor } from "../tensor.ts";
import { Generator } from "../random.ts";
import { assertClose, webgpuForTests } from "../testing.ts";
import type { WebGpuBackend } from "./backend.ts";
import { grid } from "./backend.ts";
import {
  checkTiling,
  chooseTiling,
  kSlice,
  MATMUL_TILINGS,
  splitK,
} from "./kernels/matmul.wgsl.ts";

const gpu = webgpuForTests() as WebGpuBackend | null;
const ignore = gpu === null;

Deno.test("grid splits workgroups over two dimensions", () => {
  assert.deepEqual(grid(10), [10, 1]);
  assert.deepEqual(grid(65535), [65535, 1]);
  const [x, y] = grid(65536);
  assert.ok(x <= 65535 && y === 2 && x * y >= 65536);
});

Deno.test({
  name: "an element-wise op past 65,535 workgroups in one dimension [webgpu]",
  ignore,
  fn: async () => {
    const n = 65535 * 256 + 7; // 65,536 workgroups of 256
    using x = full([n], 2, { device: gpu! });
    using y = x.mul(3).add(1);
    const v = await y.data();
    assert.equal(v.length, n);
    assert.equal(v[0], 7);
    assert.equal(v[n - 1], 7);
    assert.equal(v[n >> 1], 7);
  },
});

Deno.test({
  name: "a batched matmul split over several dispatches [webgpu]",
  ignore,
  fn: async () => {
    // the same chunking that batches past 65,535 matrices take, at a small limit
    gpu!.maxBatchPerDispatch = 3;
    const batch = 8;
    const a = tensor(Float32Array.from({ length: batch * 2 }, (_, i) => i % 5), {
      shape: [batch, 1, 2],
      device: gpu!,
    });
    const b = tensor([1, 10], { shape: [2, 1], device: gpu! });
    const c = await a.matmul(b).data();
    gpu!.maxBatchPerDispatch = 65535;
    for (let z = 0; z < batch; z++) assert.equal(c[z], ((2 * z) % 5) + 10 * ((2 * z + 1) % 5));
  },
});

/** A two-layer network's cross-entropy, back-propagated into w1's and w2's gradients. */
function backwardTwoLayers(x: Tensor, labels: Tensor, w1: Tensor, w2: Tensor): void {
  using a = x.matmul(w1);
  using h = a.sigmoid();
  using logits = h.matmul(w2);
  using loss = crossEntropy(logits, labels);
  loss.backward();
}

Deno.test({
  name:
    "1,000 training steps do not grow GPU memory, and submit only every submitEvery dispatches [webgpu]",
  ignore,
  fn: async () => {
    const g = new Generator(1);
    const w1 = randNormal([64, 32], 0, 0.1, { device: gpu!, generator: g, requiresGrad: true });
    const w2 = randNormal([32, 10], 0, 0.1, { device: gpu!, generator: g, requiresGrad: true });
    const x = randNormal([16, 64], 0, 1, { device: gpu!, generator: g });
    const labels = tensor(Array.from({ length: 16 }, (_, i) => i % 10), { device: gpu! });
    const step = () => {
      backwardTwoLayers(x, labels, w1, w2);
      noGrad(() => {
        for (const w of [w1, w2]) {
          using update = w.grad!.mul(0.5);
          using next = w.sub(update);
          w.assign(next);
          w.zeroGrad();
        }
      });
    };
    for (let i = 0; i < 10; i++) step();
    await w1.data();
    const before = gpu!.memory();
    const start = gpu!.counters();
    step();
    assert.equal(gpu!.counters().submits, start.submits, "a step submitted work by itself");
    for (let i = 1; i < 1000; i++) step();
    const end = gpu!.counters();
    const dispatches = end.dispatches - start.dispatches;
    // every submit is forced by the dispatch count, none by a step
    assert.ok(
      end.submits - start.submits <= Math.ceil(dispatches / gpu!.submitEvery),
      `${end.submits - start.submits} submits for ${dispatches} dispatches`,
    );
    await w2.data();
    const after = gpu!.memory();
    const value = await noGrad(() => {
      using a = x.matmul(w1);
      using h = a.sigmoid();
      using logits = h.matmul(w2);
      return crossEntropy(logits, labels);
    }).item();
    assert.ok(value < 0.05, `the network did not learn (loss ${value})`);
    assert.equal(after.bytesAllocated, before.bytesAllocated, "the pool grew");
    assert.ok(after.bytesInUse <= before.bytesInUse + 4096, "buffers leaked");
  },
});

/** Random [batch, m, k] and [batch, k, n] and their product by the definition, in float64. */
function productCase(g: Generator, batch: number, m: number, k: number, n: number) {
  const av = g.fillNormal(new Float32Array(batch * m * k));
  const bv = g.fillNormal(new Float32Array(batch * k * n));
  const expected = new Float64Array(batch * m * n);
  for (let z = 0; z < batch; z++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += av[z * m * k + i * k + p] * bv[z * k * n + p * n + j];
        expected[z * m * n + i * n + j] = s;
      }
    }
  }
  const a = tensor(av, { shape: [batch, m, k], device: gpu! });
  const b = tensor(bv, { shape: [batch, k, n], device: gpu! });
  return { a, b, aT: a.transpose(1, 2), bT: b.transpose(1, 2), expected };
}

/** Check op(A)·op(B) for all four transpose combinations. */
async function everyTranspose(c: ReturnType<typeof productCase>, label: string, rtol = 1e-4) {
  for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
    using product = (transA ? c.aT : c.a).matmul(transB ? c.bT : c.b, { transA, transB });
    await assertClose(
      product,
      c.expected,
      { atol: 1e-4, rtol },
      `${label} transA ${transA} transB ${transB}`,
    );
  }
}

Deno.test({
  name:
    "every matmul tiling and transpose matches the float64 definition on partial tiles [webgpu]",
  ignore,
  fn: async () => {
    // past one 128-block in each direction, slabs left partial by k, two batches
    const c = productCase(new Generator(11), 2, 133, 37, 131);
    try {
      for (const [name, tiling] of Object.entries(MATMUL_TILINGS)) {
        gpu!.matmulTiling = tiling;
        await everyTranspose(c, name);
      }
    } finally {
      gpu!.matmulTiling = null;
    }
  },
});

Deno.test({
  name: "a product of few blocks and a long K is split over K and summed [webgpu]",
  ignore,
  fn: async () => {
    // a convolution's weight gradient: [o, n·h·w]·[n·h·w, c·kh·kw]; K not a
    // whole number of slices or slabs
    const [m, k, n] = [33, 4100, 9];
    assert.ok(splitK(1, 1, k, 16) > 1, "this shape is not split");
    const c = productCase(new Generator(12), 1, m, k, n);
    const before = gpu!.counters().dispatches;
    await everyTranspose(c, "split-K", 1e-3);
    assert.ok(
      gpu!.counters().dispatches - before >= 8,
      "one dispatch per product: K was not split",
    );
  },
});

Deno.test({
  name: "a split-K product adds its bias or accumulates as its slices are summed [webgpu]",
  ignore,
  fn: async () => {
    // a layer's forward product over a long K, and a weight update from one:
    // two dispatches each (the slices, then their sum with the epilogue),
    // the composed ops' values bit for bit
    const g = new Generator(13);
    const [m, k, n] = [36, 1024, 32];
    assert.ok(splitK(1, 1, k, 16) > 1, "this shape is not split");
    const a = randNormal([m, k], 0, 1, { generator: g, device: gpu! });
    const b = randNormal([k, n], 0, 1, { generator: g, device: gpu! });
    const same = async (got: Tensor, want: Tensor, label: string) => {
      const [x, y] = [await got.data(), await want.data()];
      for (let i = 0; i < y.length; i++) assert.ok(Object.is(x[i], y[i]), `${label} [${i}]`);
    };
    {
      for (const on of ["cols", "rows"] as const) {
        const bias = randNormal([on === "cols" ? n : m], 0, 1, { generator: g, device: gpu! });
        const before = gpu!.counters().dispatches;
        const fused = matmulBias(a, b, bias, { on });
        assert.equal(gpu!.counters().dispatches - before, 2, `${on}: dispatches`);
        const composed = a.matmul(b).add(on === "cols" ? bias : bias.reshape([m, 1]));
        await same(fused, composed, on);
      }
      // few outputs over many slices: each sum a workgroup's, then the add (three dispatches)
      const [ta, tb] = [
        randNormal([4, 20000], 0, 1, { generator: g, device: gpu! }),
        randNormal([20000, 4], 0, 1, { generator: g, device: gpu! }),
      ];
      assert.ok(splitK(1, 1, 20000, 16) >= 64, "fewer than 64 slices");
      const tbias = randNormal([4], 0, 1, { generator: g, device: gpu! });
      const count = gpu!.counters().dispatches;
      const many = matmulBias(ta, tb, tbias, { on: "cols" });
      assert.equal(gpu!.counters().dispatches - count, 3, "many slices: dispatches");
      await same(many, ta.matmul(tb).add(tbias), "many slices");
      // W += α·AᵀB with A = [k, m]: K (the batch) long, as in a first layer's update
      const x = randNormal([k, m], 0, 1, { generator: g, device: gpu! });
      const d = randNormal([k, n], 0, 1, { generator: g, device: gpu! });
      const w = randNormal([m, n], 0, 1, { generator: g, device: gpu! });
      const want = w.addScaled(x.matmul(d, { transA: true }), -0.01);
      const before = gpu!.counters().dispatches;
      w.addMatmulInPlace(x, d, -0.01, { transA: true });
      assert.equal(gpu!.counters().dispatches - before, 2, "accumulate: dispatches");
      await same(w, want, "accumulate");
      // the target as a factor, C += α·C·B: the slices read C before their sum writes it
      const c = randNormal([m, k], 0, 1, { generator: g, device: gpu! });
      const square = randNormal([k, k], 0, 0.03, { generator: g, device: gpu! });
      const cWant = c.addScaled(c.matmul(square), 0.5);
      c.addMatmulInPlace(c, square, 0.5);
      await same(c, cWant, "accumulate into a factor");
    }
  },
});

Deno.test("matmul tilings divide evenly, a bad one is refused, and K splits only when it pays", () => {
  for (const t of Object.values(MATMUL_TILINGS)) checkTiling(t);
  assert.throws(
    () => checkTiling({ bm: 128, bn: 128, bk: 4, tm: 8, tn: 8, prefetch: false }),
    /divide/,
  );
  assert.equal(chooseTiling(1, 4096, 4096).bm, 128);
  assert.equal(chooseTiling(1, 32, 64).bm, 64);
  assert.equal(chooseTiling(1, 64, 65536).bm, 64, "half of each 128-row block wasted");
  assert.equal(splitK(1, 1, 512, 16), 1, "K too short");
  assert.equal(splitK(4, 1, 65536, 16), 1, "a batch is not split");
  assert.equal(splitK(1, 4096, 65536, 16), 1, "blocks enough");
  for (const [blocks, k] of [[1, 65536], [5, 16384], [2, 4100]]) {
    const slices = splitK(1, blocks, k, 16), depth = kSlice(k, slices, 16);
    assert.ok(slices > 1 && depth % 16 === 0 && depth >= 256, `${blocks} blocks, K ${k}`);
    assert.ok(
      depth * (slices - 1) < k && depth * slices >= k,
      "slices do not cover K exactly once",
    );
  }
});

Deno.test({
  name: "kept bind groups bind each dispatch's own buffers, also after a trim [webgpu]",
  ignore,
  fn: async () => {
    using x = full([300], 1, { device: gpu! });
    // the same kernel on the same input into two live outputs, twice
    for (let round = 0; round < 2; round++) {
      using y1 = x.mul(2);
      using y2 = x.mul(2);
      assert.deepEqual([(await y1.data())[299], (await y2.data())[299]], [2, 2]);
    }
    gpu!.trim(); // destroys the free buffers that kept bind groups hold
    using z = x.mul(3);
    assert.equal((await z.data())[299], 3);
  },
});

Deno.test({
  name: "an upload never overwrites a buffer that unsubmitted commands still read [webgpu]",
  ignore,
  fn: async () => {
    const a = tensor(Float32Array.from({ length: 1000 }, (_, i) => i), { device: gpu! });
    using b = a.mul(2); // encoded, not submitted
    a.dispose();
    // an upload of the same size, written before b's kernel runs
    using c = tensor(new Float32Array(1000).fill(-1), { device: gpu! });
    const v = await b.data();
    assert.deepEqual([v[0], v[999]], [0, 1998]);
    assert.equal((await c.data())[0], -1);
  },
});

Deno.test({
  name: "training steps that repeat themselves make no new bind groups [webgpu]",
  ignore,
  fn: async () => {
    const g = new Generator(3);
    const w1 = randNormal([64, 32], 0, 0.1, { device: gpu!, generator: g, requiresGrad: true });
    const w2 = randNormal([32, 10], 0, 0.1, { device: gpu!, generator: g, requiresGrad: true });
    const xs = g.fillNormal(new Float32Array(16 * 64));
    const ys = Float32Array.from({ length: 16 }, (_, i) => i % 10);
    const step = () => {
      // a batch uploaded every step, as the trainers do
      using x = tensor(xs, { shape: [16, 64], device: gpu! });
      using labels = tensor(ys, { device: gpu! });
      backwardTwoLayers(x, labels, w1, w2);
      noGrad(() => {
        for (const w of [w1, w2]) {
          w.addScaledInPlace(w.grad!, -0.1);
          w.zeroGrad();
        }
      });
    };
    const device = gpu!.device;
    const create = device.createBindGroup;
    let made = 0;
    device.createBindGroup = (d) => {
      made++;
      return create.call(device, d);
    };
    const every = gpu!.submitEvery;
    // submits that fall at other points of each step
    gpu!.submitEvery = 37;
    try {
      for (let i = 0; i < 40; i++) step();
      await w1.data();
      const warm = made;
      for (let i = 0; i < 40; i++) step();
      await w2.data();
      assert.equal(made - warm, 0, `${made - warm} bind groups made in 40 repeated steps`);
    } finally {
      device.createBindGroup = create;
      gpu!.submitEvery = every;
      w1.dispose();
      w2.dispose();
    }
  },
});
