import assert from "node:assert/strict";
import { defaultGenerator, Generator, manualSeed } from "./random.ts";

Deno.test("equal seeds give equal streams, different seeds differ", () => {
  const a = new Generator(42), b = new Generator(42), c = new Generator(43);
  const sa = Array.from({ length: 8 }, () => a.nextUint32());
  const sb = Array.from({ length: 8 }, () => b.nextUint32());
  const sc = Array.from({ length: 8 }, () => c.nextUint32());
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, sc);
});

Deno.test("uniform draws lie in [low, high) with the right mean and variance", () => {
  const g = new Generator(1);
  const n = 200_000;
  let sum = 0, sq = 0, lo = Infinity, hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = g.uniform(-2, 3);
    sum += v;
    sq += v * v;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const mean = sum / n, variance = sq / n - mean * mean;
  assert.ok(lo >= -2 && hi < 3);
  assert.ok(Math.abs(mean - 0.5) < 0.02, `mean ${mean}`);
  // variance of U(a, b) is (b − a)²/12 = 25/12
  assert.ok(Math.abs(variance - 25 / 12) < 0.03, `variance ${variance}`);
});

Deno.test("normal draws have the requested mean and standard deviation", () => {
  const g = new Generator(2);
  const n = 200_000;
  let sum = 0, sq = 0;
  for (let i = 0; i < n; i++) {
    const v = g.normal(1, 2);
    sum += v;
    sq += v * v;
  }
  const mean = sum / n, std = Math.sqrt(sq / n - mean * mean);
  assert.ok(Math.abs(mean - 1) < 0.02, `mean ${mean}`);
  assert.ok(Math.abs(std - 2) < 0.02, `std ${std}`);
});

Deno.test("permutation contains every index once and is not the identity", () => {
  const p = new Generator(3).permutation(1000);
  assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
  assert.ok(p.some((v, i) => v !== i));
});

Deno.test("manualSeed resets the global generator", () => {
  manualSeed(9);
  const a = defaultGenerator().uniform();
  manualSeed(9);
  assert.equal(defaultGenerator().uniform(), a);
});
