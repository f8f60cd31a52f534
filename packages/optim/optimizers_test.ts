import assert from "node:assert/strict";
import { tensor } from "@recognize/tensor";
import { assertClose } from "@recognize/tensor/testing";
import { Adam, AdamW, clipGradNorm, SGD, StepLR } from "./optimizers.ts";

function param(values: number[], grad: number[]) {
  const p = tensor(values, { requiresGrad: true });
  p.grad = tensor(grad);
  return p;
}

Deno.test("SGD with momentum and weight decay follows PyTorch's rule", async () => {
  const p = param([1, -1], [0.5, 0.5]);
  const opt = new SGD([p], { lr: 0.1, momentum: 0.9, weightDecay: 0.1 });
  // step 1: g = 0.5 + 0.1·p = [0.6, 0.4]; v = g; p = [1 − 0.06, −1 − 0.04]
  opt.step();
  await assertClose(p, [0.94, -1.04]);
  // step 2: g = [0.5 + 0.094, 0.5 − 0.104] = [0.594, 0.396]; v = 0.9·[0.6, 0.4] + g = [1.134, 0.756]
  opt.step();
  await assertClose(p, [0.94 - 0.1134, -1.04 - 0.0756]);
});

Deno.test("Adam's first steps have magnitude lr whatever the gradient scale", async () => {
  for (const scale of [1e-3, 1, 1e3]) {
    const p = param([0, 0], [scale, -scale]);
    const opt = new Adam([p], { lr: 0.01 });
    opt.step();
    // m̂ = g, v̂ = g²: the step is lr · g/|g|
    await assertClose(p, [-0.01, 0.01], { atol: 1e-6 });
  }
  // two steps with gradients 1 then 3: m = 0.19·… worked from the definitions
  const p = param([0], [1]);
  const opt = new Adam([p], { lr: 0.1 });
  opt.step();
  p.grad = tensor([3]);
  opt.step();
  const m = 0.9 * 0.1 + 0.1 * 3, v = 0.999 * 0.001 + 0.001 * 9;
  const step2 = 0.1 * (m / (1 - 0.81)) / (Math.sqrt(v / (1 - 0.999 ** 2)) + 1e-8);
  await assertClose(p, [-0.1 - step2], { atol: 1e-6 });
});

Deno.test("AdamW decays weights apart from the gradient; Adam adds L2 to it", async () => {
  const a = param([1], [0]);
  new AdamW([a], { lr: 0.1, weightDecay: 0.5 }).step();
  // zero gradient: only the decoupled decay moves p: 1·(1 − 0.1·0.5)
  await assertClose(a, [0.95], { atol: 1e-6 });
  const b = param([1], [0]);
  new Adam([b], { lr: 0.1, weightDecay: 0.5 }).step();
  // L2: g = 0.5, the adaptive step is lr·sign(g)
  await assertClose(b, [0.9], { atol: 1e-6 });
});

Deno.test("StepLR multiplies the rate every stepSize epochs", () => {
  const opt = new SGD([param([0], [0])], { lr: 1 });
  const sched = new StepLR(opt, 2, 0.5);
  const rates = [];
  for (let e = 0; e < 5; e++) {
    rates.push(opt.lr);
    sched.step();
  }
  assert.deepEqual(rates, [1, 1, 0.5, 0.5, 0.25]);
});

Deno.test("gradient clipping bounds the global norm", async () => {
  const a = param([0, 0], [3, 0]), b = param([0], [4]);
  const norm = await clipGradNorm([a, b], 1);
  assert.ok(Math.abs(norm - 5) < 1e-6);
  await assertClose(a.grad!, [0.6, 0], { atol: 1e-5 });
  await assertClose(b.grad!, [0.8], { atol: 1e-5 });
  // already within the bound: unchanged
  await clipGradNorm([a, b], 10);
  await assertClose(a.grad!, [0.6, 0], { atol: 1e-5 });
});
