import assert from "node:assert/strict";
import { cpuBackend, Generator, tensor } from "@recognize/tensor";
import { take } from "./movement.ts";
import { dataArray, dataCopyIn, heapAddress } from "./wasm_memory.ts";

Deno.test("a large upload lives in a memory of its own, outside the heap, and is never pooled", () => {
  const data = new Float32Array(1 << 20).fill(2);
  const t = tensor(data, { shape: [1024, 1024], device: cpuBackend() });
  const buf = t.buffer as Float32Array;
  assert.notEqual(buf.buffer, data.buffer, "the tensor owns a copy");
  assert.equal(heapAddress(buf), -1, "not in the kernels' heap, which never shrinks");
  data[0] = 5;
  assert.equal(t.dataSync()[0], 2);
  const own = dataCopyIn(buf) !== undefined;
  t.dispose();
  assert.equal(data.length, 1 << 20, "the caller's array is untouched");
  if (own) {
    assert.equal(buf[0], 0, "its pages were given back to the system (they read as zeros)");
    // the memory object goes when collected; meanwhile nothing hands it out again
    using again = tensor(new Float32Array(1 << 20), { device: cpuBackend() });
    const next = cpuBackend().full(1 << 20, "float32", 0);
    assert.notEqual((again.buffer as Float32Array).buffer, buf.buffer);
    assert.notEqual(next.buffer, buf.buffer, "not pooled");
    cpuBackend().release(next);
  } else {
    assert.equal(buf.length, 0, "the copy's memory was given back, not pooled");
  }
});

Deno.test("a batch of a dataset's rows is copied into the heap exactly", () => {
  const g = new Generator(3);
  for (const [outer, n, inner] of [[1, 300, 1024], [2, 50, 100], [3, 7, 64]]) {
    const x = dataArray("float32", outer * n * inner);
    if (!x) return; // no WebAssembly multi-memory here: the plain copy serves
    g.fillUniform(x as Float32Array);
    const plain = Float32Array.from(x);
    const positions = Float32Array.from({ length: 37 }, () => g.int(n));
    positions[0] = n - 1;
    const fast = take(x, positions, outer, n, 37, inner, "float32");
    assert.ok(heapAddress(fast) >= 0, "the batch is in the heap");
    assert.deepEqual(fast, take(plain, positions, outer, n, 37, inner, "float32"));
    assert.throws(
      () => take(x, Float32Array.of(0, n), outer, n, 2, inner, "float32"),
      /outside|index/i,
    );
  }
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
