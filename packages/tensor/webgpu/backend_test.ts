// WebGPU-only properties: two-dimensional dispatch, the buffer pool, and
// batching of a training step into few submits.

import assert from "node:assert/strict";
import { full, randNormal, tensor } from "../creation.ts";
import { crossEntropy } from "../loss.ts";
import { noGrad } from "../autograd.ts";
import { Generator } from "../random.ts";
import { webgpuForTests } from "../testing.ts";
import type { WebGpuBackend } from "./backend.ts";
import { grid } from "./backend.ts";

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

Deno.test({
  name: "1,000 training steps do not grow GPU memory, and submit only when the ring fills [webgpu]",
  ignore,
  fn: async () => {
    const g = new Generator(1);
    const w1 = randNormal([64, 32], 0, 0.1, { device: gpu!, generator: g, requiresGrad: true });
    const w2 = randNormal([32, 10], 0, 0.1, { device: gpu!, generator: g, requiresGrad: true });
    const x = randNormal([16, 64], 0, 1, { device: gpu!, generator: g });
    const labels = tensor(Array.from({ length: 16 }, (_, i) => i % 10), { device: gpu! });
    const step = () => {
      {
        using a = x.matmul(w1);
        using h = a.sigmoid();
        using logits = h.matmul(w2);
        using loss = crossEntropy(logits, labels);
        loss.backward();
      }
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
    // every submit is forced by a full parameter ring (4,096 dispatches), none by a step
    assert.ok(
      end.submits - start.submits <= Math.ceil(dispatches / 4096),
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
