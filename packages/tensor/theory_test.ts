// The handout's theory claims (Q1.1–Q1.6) as property tests on random inputs.

import assert from "node:assert/strict";
import { randNormal } from "./creation.ts";
import { Generator } from "./random.ts";
import { assertClose } from "./testing.ts";

const g = new Generator(1720);
const normal = (...shape: number[]) => randNormal(shape, 0, 3, { dtype: "float64", generator: g });

Deno.test("Q1.1: softmax(x) = softmax(x + c) for any c", async () => {
  for (const c of [-100, -1, 0.5, 40, 700]) {
    const x = normal(4, 6);
    await assertClose(x.add(c).softmax(), x.softmax(), { atol: 1e-12 }, `c = ${c}`);
  }
});

Deno.test("Q1.2: softmax maps any real vector to a probability distribution", async () => {
  const p = await normal(10, 7).mul(50).softmax().data();
  assert.ok(p.every((v) => v >= 0 && v <= 1));
  for (let r = 0; r < 10; r++) {
    let s = 0;
    for (let c = 0; c < 7; c++) s += p[r * 7 + c];
    assert.ok(Math.abs(s - 1) < 1e-12);
  }
});

Deno.test("Q1.3: stacked linear layers without activations are one linear map", async () => {
  const x = normal(5, 4), w1 = normal(4, 6), b1 = normal(6), w2 = normal(6, 3), b2 = normal(3);
  const stacked = x.matmul(w1).add(b1).matmul(w2).add(b2);
  // W = W1·W2, b = b1·W2 + b2
  const w = w1.matmul(w2), b = b1.reshape([1, 6]).matmul(w2).reshape([3]).add(b2);
  await assertClose(stacked, x.matmul(w).add(b), { atol: 1e-9 });
});

Deno.test("Q1.4: σ′(x) = σ(x)(1 − σ(x))", async () => {
  const x = normal(50);
  x.requiresGrad = true;
  x.sigmoid().sum().backward();
  const s = x.detach().sigmoid();
  await assertClose(x.grad!, s.mul(s.neg().add(1)), { atol: 1e-12 });
});

Deno.test("Q1.6: tanh(x) = 2σ(2x) − 1 and tanh′ = 1 − tanh²", async () => {
  const x = normal(50);
  await assertClose(x.tanh(), x.mul(2).sigmoid().mul(2).sub(1), { atol: 1e-12 });
  x.requiresGrad = true;
  x.tanh().sum().backward();
  const t = x.detach().tanh();
  await assertClose(x.grad!, t.mul(t).neg().add(1), { atol: 1e-12 });
  // σ′ peaks at ¼, tanh′ at 1: tanh passes four times the gradient near 0
  const s0 = 0.5 * (1 - 0.5);
  assert.equal(s0, 0.25);
});

Deno.test("Q1.5: for y = Wx + b, ∂J/∂W = δxᵀ, ∂J/∂x = Wᵀδ, ∂J/∂b = δ", async () => {
  const w = normal(3, 4), x = normal(4, 1), b = normal(3, 1), delta = normal(3, 1);
  w.requiresGrad = x.requiresGrad = b.requiresGrad = true;
  const y = w.matmul(x).add(b);
  y.backward({ grad: delta });
  await assertClose(w.grad!, delta.matmul(x, { transB: true }), { atol: 1e-12 });
  await assertClose(x.grad!, w.detach().matmul(delta, { transA: true }), { atol: 1e-12 });
  await assertClose(b.grad!, delta, { atol: 1e-12 });
});
