import assert from "node:assert/strict";
import { cpuBackend } from "./device.ts";
import { randNormal, tensor, zeros } from "./creation.ts";
import { noGrad } from "./autograd.ts";
import { crossEntropy } from "./loss.ts";
import { assertClose, deviceTest } from "./testing.ts";

deviceTest("a tensor used twice gets both contributions", async (device) => {
  const x = tensor([1, -2, 3], { device, requiresGrad: true });
  x.mul(x).add(x).sum().backward();
  await assertClose(x.grad!, [3, -3, 7]); // 2x + 1
});

deviceTest("gradients accumulate over backward calls until zeroGrad", async (device) => {
  const x = tensor([1, 2], { device, requiresGrad: true });
  x.mul(3).sum().backward();
  x.mul(3).sum().backward();
  await assertClose(x.grad!, [6, 6]);
  x.zeroGrad();
  assert.equal(x.grad, null);
});

deviceTest("noGrad records nothing", (device) => {
  const x = tensor([1, 2], { device, requiresGrad: true });
  const y = noGrad(() => x.mul(2));
  assert.equal(y.requiresGrad, false);
  assert.equal(y.node, null);
  assert.throws(() => y.sum().backward(), /does not require gradients/);
});

deviceTest("a second backward needs retainGraph", async (device) => {
  const x = tensor([2], { device, requiresGrad: true });
  const y = x.exp();
  y.backward({ retainGraph: true });
  y.backward();
  await assertClose(x.grad!, [2 * Math.exp(2)]);
  assert.throws(() => y.backward(), /second time/);
});

deviceTest("backward without a gradient needs a scalar", (device) => {
  const x = tensor([1, 2], { device, requiresGrad: true });
  assert.throws(() => x.mul(2).backward(), /single-element/);
  assert.throws(() => x.mul(2).backward({ grad: tensor([1], { device }) }), /gradient of shape/);
});

deviceTest("only leaves may change requiresGrad", (device) => {
  const x = tensor([1], { device, requiresGrad: true });
  assert.throws(() => (x.mul(2).requiresGrad = false), /computed by mul/);
});

deviceTest("a disposed tensor cannot be used, but a reshape of it still can", async (device) => {
  const x = tensor([1, 2, 3, 4], { device });
  const y = x.reshape([2, 2]);
  x.dispose();
  x.dispose(); // idempotent
  assert.throws(() => x.add(1), /after dispose/);
  await assertClose(y, [1, 2, 3, 4]);
});

Deno.test("a training step with `using` frees every buffer it made", () => {
  const cpu = cpuBackend();
  const w = randNormal([8, 3], 0, 0.1, { requiresGrad: true });
  const x = randNormal([4, 8]), labels = tensor([0, 1, 2, 1]);
  const step = () => {
    {
      using logits = x.matmul(w);
      using loss = crossEntropy(logits, labels);
      loss.backward();
    }
    noGrad(() => {
      using update = w.grad!.mul(0.1);
      using next = w.sub(update);
      w.assign(next);
    });
    w.zeroGrad();
  };
  step();
  const before = cpu.live;
  for (let i = 0; i < 20; i++) step();
  assert.equal(cpu.live, before, "buffers leaked by a training step");
});

Deno.test("assign checks shape and dtype", () => {
  const w = zeros([2, 2]);
  assert.throws(() => w.assign(zeros([4])), /shape \(4\)/);
  assert.throws(() => w.assign(zeros([2, 2], { dtype: "float64" })), /float64/);
});
