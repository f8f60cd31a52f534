import assert from "node:assert/strict";
import { cpuBackend, tensor } from "@recognize/tensor";

Deno.test("a large upload is copied once and its memory freed at dispose", () => {
  const data = new Float32Array(1 << 20).fill(2);
  const t = tensor(data, { shape: [1024, 1024], device: cpuBackend() });
  const buf = t.buffer as Float32Array;
  assert.notEqual(buf.buffer, data.buffer, "the tensor owns a copy");
  data[0] = 5;
  assert.equal(t.dataSync()[0], 2);
  t.dispose();
  assert.equal(buf.length, 0, "the copy's memory was given back, not pooled");
  assert.equal(data.length, 1 << 20, "the caller's array is untouched");
});

Deno.test("small and computed buffers are kept for reuse, not freed", () => {
  const small = tensor(new Float32Array(4096), { device: cpuBackend() });
  using big = tensor(new Float64Array(1 << 20), { device: cpuBackend() });
  const doubled = big.mul(2);
  const bufs = [small.buffer, doubled.buffer] as Float32Array[];
  small.dispose();
  doubled.dispose();
  assert.deepEqual(bufs.map((b) => b.length), [4096, 1 << 20]);
});
