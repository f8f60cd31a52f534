// Every differentiable primitive, and two whole networks, pass a central-
// difference gradient check in float64: the analytic gradient of each agrees
// with the numeric one to within 1e-6 relative error.

import assert from "node:assert/strict";
import { randNormal, randUniform, tensor } from "./creation.ts";
import { gradcheck } from "./gradcheck.ts";
import { Generator } from "./random.ts";
import type { NestedArray, Tensor } from "./tensor.ts";
import { where } from "./elementwise.ts";
import { concat } from "./movement.ts";
import { indexSelect, scatterAdd } from "./indexing.ts";
import { conv2d, fold, unfold } from "./conv.ts";
import { adaptiveAvgPool2d, avgPool2d, maxPool2d } from "./pool.ts";
import { logSoftmax, logSumExp, softmax } from "./activation.ts";
import { crossEntropy, mseLoss } from "./loss.ts";
import { dropout } from "./dropout.ts";

const g = new Generator(2024);
const normal = (...shape: number[]) => randNormal(shape, 0, 1, { dtype: "float64", generator: g });
const positive = (...shape: number[]) =>
  randUniform(shape, 0.5, 2, { dtype: "float64", generator: g });
/** Values at least 0.1 away from 0, where abs and relu have kinks. */
const offZero = (...shape: number[]) => {
  const t = normal(...shape);
  const v = t.dataSync().map((x) => (Math.abs(x) < 0.1 ? x + Math.sign(x || 1) * 0.2 : x));
  return tensor(v, { shape, dtype: "float64" });
};
const f64 = (v: NestedArray, shape?: number[]) => tensor(v, { shape, dtype: "float64" });

const cases: [string, (...xs: Tensor[]) => Tensor, Tensor[]][] = [
  ["neg", (x) => x.neg(), [normal(3, 4)]],
  ["exp", (x) => x.exp(), [normal(3, 4)]],
  ["log", (x) => x.log(), [positive(3, 4)]],
  ["sqrt", (x) => x.sqrt(), [positive(3, 4)]],
  ["abs", (x) => x.abs(), [offZero(3, 4)]],
  ["sigmoid", (x) => x.sigmoid(), [normal(3, 4)]],
  ["tanh", (x) => x.tanh(), [normal(3, 4)]],
  ["relu", (x) => x.relu(), [offZero(3, 4)]],
  ["cast", (x) => x.cast("float64"), [normal(2, 3)]],
  ["add (broadcast row)", (a, b) => a.add(b), [normal(3, 4), normal(4)]],
  ["sub (broadcast column)", (a, b) => a.sub(b), [normal(3, 4), normal(3, 1)]],
  ["mul (broadcast both)", (a, b) => a.mul(b), [normal(3, 1, 2), normal(4, 1)]],
  ["div", (a, b) => a.div(b), [normal(3, 4), positive(3, 4)]],
  ["addScaled", (a, b) => a.addScaled(b, -0.7), [normal(3, 4), normal(3, 4)]],
  ["pow", (a, b) => a.pow(b), [positive(3, 4), normal(4)]],
  ["pow by a constant", (a) => a.pow(3), [normal(3, 4)]],
  ["maximum", (a, b) => a.maximum(b), [normal(3, 4), normal(3, 4)]],
  ["minimum", (a, b) => a.minimum(b), [normal(3, 4), normal(1, 4)]],
  ["clamp", (a) => a.clamp(-0.5, 0.5), [f64([-2, -0.3, 0.1, 0.45, 0.9])]],
  ["where", (a, b) => where(f64([1, 0, 1, 0]), a, b), [normal(3, 4), normal(4)]],
  ["sum all", (x) => x.sum(), [normal(3, 4)]],
  ["sum axes", (x) => x.sum([0, 2]), [normal(2, 3, 4)]],
  ["mean", (x) => x.mean(1, true), [normal(3, 4)]],
  ["max axis", (x) => x.max(1), [normal(3, 5)]],
  ["min all", (x) => x.min(), [normal(3, 5)]],
  ["matmul", (a, b) => a.matmul(b), [normal(3, 4), normal(4, 5)]],
  ["matmul transA", (a, b) => a.matmul(b, { transA: true }), [normal(4, 3), normal(4, 5)]],
  ["matmul transB", (a, b) => a.matmul(b, { transB: true }), [normal(3, 4), normal(5, 4)]],
  ["matmul both", (a, b) => a.matmul(b, { transA: true, transB: true }), [
    normal(4, 3),
    normal(5, 4),
  ]],
  ["matmul batched × single", (a, b) => a.matmul(b), [normal(2, 3, 4), normal(4, 2)]],
  ["matmul single × batched", (a, b) => a.matmul(b), [normal(3, 4), normal(2, 4, 2)]],
  ["reshape", (x) => x.reshape([6, 2]).mul(f64([1, 2])), [normal(3, 4)]],
  ["permute", (x) => x.permute([2, 0, 1]), [normal(2, 3, 4)]],
  ["transpose", (x) => x.transpose(), [normal(3, 4)]],
  ["expand", (x) => x.expand([2, 3, 4]), [normal(3, 1)]],
  ["slice", (x) => x.slice([1, 0], [3, -1]), [normal(4, 5)]],
  ["pad", (x) => x.pad([[1, 2], [0, 1]], 3), [normal(2, 3)]],
  ["concat", (a, b) => concat([a, b, a], 1), [normal(2, 3), normal(2, 1)]],
  ["gather", (x) => x.gather(1, f64([[2, 0, 2], [1, 1, 0]])), [normal(2, 4)]],
  ["scatterAdd", (x) => scatterAdd(x, 1, f64([[2, 0, 2], [1, 1, 0]]), 4), [normal(2, 3)]],
  ["indexSelect", (x) => indexSelect(x, 0, f64([2, 0, 2])), [normal(3, 2)]],
  ["unfold", (x) => unfold(x, { kernel: [2, 3], stride: [1, 2], padding: 1 }), [
    normal(2, 2, 4, 5),
  ]],
  ["fold", (c) => fold(c, [4, 5], { kernel: 2, padding: 1, stride: 2 }), [normal(1, 8, 9)]],
  ["conv2d", (x, w, b) => conv2d(x, w, b, { stride: 2, padding: 1 }), [
    normal(2, 2, 5, 5),
    normal(3, 2, 3, 3),
    normal(3),
  ]],
  ["conv2d dilated", (x, w) => conv2d(x, w, null, { dilation: 2 }), [
    normal(1, 2, 6, 6),
    normal(2, 2, 2, 2),
  ]],
  ["conv2d 1×1", (x, w) => conv2d(x, w), [normal(2, 3, 3, 3), normal(4, 3, 1, 1)]],
  ["maxPool2d ceilMode", (x) => maxPool2d(x, 3, { stride: 2, ceilMode: true }), [
    normal(2, 2, 6, 6),
  ]],
  ["maxPool2d padded", (x) => maxPool2d(x, 2, { padding: 1 }), [normal(1, 2, 5, 5)]],
  ["avgPool2d", (x) => avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true }), [
    normal(1, 2, 6, 6),
  ]],
  ["adaptiveAvgPool2d", (x) => adaptiveAvgPool2d(x, [3, 2]), [normal(2, 2, 7, 5)]],
  ["softmax", (x) => softmax(x, 0), [normal(3, 4)]],
  ["logSoftmax", (x) => logSoftmax(x), [normal(3, 4)]],
  ["logSumExp", (x) => logSumExp(x, 1), [normal(3, 4)]],
  ["crossEntropy (indices)", (x) => crossEntropy(x, f64([1, 0, 3])), [normal(3, 4)]],
  ["crossEntropy (probabilities)", (x, t) => crossEntropy(x, t.softmax()), [
    normal(3, 4),
    normal(3, 4),
  ]],
  ["mseLoss", (a, b) => mseLoss(a, b, { reduction: "sum" }), [normal(3, 4), normal(3, 4)]],
  // a fresh generator per call, so every evaluation draws the same mask
  ["dropout", (x) => dropout(x, 0.4, { generator: new Generator(7) }), [normal(4, 5)]],
];

for (const [name, f, inputs] of cases) {
  Deno.test(`gradcheck: ${name}`, () => {
    const r = gradcheck(f, inputs);
    assert.ok(r.checked > 0);
    assert.ok(r.maxRelError < 1e-6, `max relative error ${r.maxRelError} (abs ${r.maxAbsError})`);
  });
}

Deno.test("gradcheck: a two-layer sigmoid MLP with softmax cross-entropy", () => {
  const x = normal(5, 6), labels = f64([0, 2, 1, 2, 0]);
  const r = gradcheck((w1, b1, w2, b2) => {
    const h = x.matmul(w1).add(b1).sigmoid();
    return crossEntropy(h.matmul(w2).add(b2), labels);
  }, [normal(6, 4), normal(4), normal(4, 3), normal(3)]);
  assert.ok(r.maxRelError < 1e-6, `max relative error ${r.maxRelError}`);
});

Deno.test("gradcheck: a conv → relu → max-pool → linear network", () => {
  const x = normal(2, 1, 6, 6), labels = f64([1, 0]);
  const r = gradcheck((w, b, wl) => {
    const y = conv2d(x, w, b, { padding: 1 }).relu();
    const p = maxPool2d(y, 2).reshape([2, -1]);
    return crossEntropy(p.matmul(wl), labels);
  }, [normal(2, 1, 3, 3), normal(2), normal(18, 2)]);
  assert.ok(r.maxRelError < 1e-6, `max relative error ${r.maxRelError}`);
});

Deno.test("gradcheck catches a wrong gradient rule", () => {
  // A deliberately broken function: its forward is x² but the graph sees x·stop(x),
  // so autograd gives x instead of 2x. gradcheck must notice.
  const x = normal(3);
  const r = gradcheck((t) => t.mul(t.detach()), [x]);
  assert.ok(r.maxRelError > 0.1);
});
