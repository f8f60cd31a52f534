// The fused primitives against the compositions they replace: same values
// and same gradients, on every device; and gradchecks of each.

import assert from "node:assert/strict";
import { randNormal } from "./creation.ts";
import { batchNorm, batchNormComposed } from "./batch_norm.ts";
import { maxPool2d, maxPool2dComposed } from "./pool.ts";
import { gradcheck } from "./gradcheck.ts";
import { Generator } from "./random.ts";
import { assertClose, deviceTest } from "./testing.ts";
import type { Tensor } from "./tensor.ts";

async function compare(
  f: (...t: Tensor[]) => Tensor,
  g: (...t: Tensor[]) => Tensor,
  inputs: Tensor[],
  tol: number,
) {
  const a = inputs.map((t) => {
    const l = t.detach();
    l.requiresGrad = true;
    return l;
  });
  const b = inputs.map((t) => {
    const l = t.detach();
    l.requiresGrad = true;
    return l;
  });
  const ya = f(...a), yb = g(...b);
  await assertClose(ya, yb, { atol: tol, rtol: tol }, "values");
  const w = randNormal(ya.shape, 0, 1, { device: inputs[0].backend, generator: new Generator(9) });
  ya.mul(w).sum().backward();
  yb.mul(w).sum().backward();
  for (let i = 0; i < a.length; i++) {
    await assertClose(a[i].grad!, b[i].grad!, { atol: tol, rtol: tol }, `gradient ${i}`);
  }
}

deviceTest("fused batch norm equals the composition, values and gradients", async (device) => {
  const g = new Generator(1);
  const x = randNormal([5, 3, 4, 6], 1, 2, { device, generator: g });
  const w = randNormal([3], 1, 0.5, { device, generator: g }),
    b = randNormal([3], 0, 0.5, { device, generator: g });
  await compare((x, w, b) => batchNorm(x, w, b).y, (x, w, b) => batchNormComposed(x, w, b), [
    x,
    w,
    b,
  ], 1e-4);
  // [N, C] (BatchNorm1d)
  const x2 = randNormal([7, 3], 0, 1, { device, generator: g });
  await compare((x, w, b) => batchNorm(x, w, b).y, (x, w, b) => batchNormComposed(x, w, b), [
    x2,
    w,
    b,
  ], 1e-4);
  const { mean, variance } = batchNorm(x2, w, b);
  await assertClose(mean, x2.mean(0), { atol: 1e-5 });
  const centred = x2.sub(x2.mean(0));
  await assertClose(variance, centred.mul(centred).mean(0), { atol: 1e-4 });
});

deviceTest("fused max-pool equals the composition where maxima are unique", async (device) => {
  const g = new Generator(2);
  const x = randNormal([2, 3, 7, 9], 0, 1, { device, generator: g });
  await compare(
    (t) => maxPool2d(t, 3, { stride: 2, ceilMode: true }),
    (t) => maxPool2dComposed(t, 3, { stride: 2, ceilMode: true }),
    [x],
    1e-6,
  );
  await compare(
    (t) => maxPool2d(t, 2, { padding: 1 }),
    (t) => maxPool2dComposed(t, 2, { padding: 1 }),
    [x],
    1e-6,
  );
  await compare((t) => maxPool2d(t, 2), (t) => maxPool2dComposed(t, 2), [x], 1e-6);
});

Deno.test("gradcheck: fused batch norm and max-pool", () => {
  const g = new Generator(3);
  const n = (...s: number[]) => randNormal(s, 0, 1, { dtype: "float64", generator: g });
  const bn = gradcheck((x, w, b) => batchNorm(x, w, b).y, [n(4, 3, 2, 2), n(3), n(3)]);
  assert.ok(bn.maxRelError < 1e-6, `batch norm ${bn.maxRelError}`);
  const mp = gradcheck((x) => maxPool2d(x, 3, { stride: 2, ceilMode: true }), [n(2, 2, 6, 6)]);
  assert.ok(mp.maxRelError < 1e-6, `max-pool ${mp.maxRelError}`);
});
