// The system-BLAS path against the TypeScript reference, where a BLAS is
// installed (on machines without one these tests are skipped, and say why).

import assert from "node:assert/strict";
import { Generator } from "../random.ts";
import type { MatmulSpec } from "../backend.ts";
import { checkAgainstReference, singleProducts } from "./_matmul_testing.ts";
import { blasMatmul, blasUnavailableReason, systemBlas } from "./blas.ts";
import { heapArray } from "./wasm_memory.ts";

const lib = systemBlas();
const ignore = lib === null;
if (ignore) {
  console.error(`note: no system BLAS, its tests are skipped (${blasUnavailableReason()})`);
}

function check(spec: MatmulSpec, dtype: "float32" | "float64", g: Generator, inHeap = false) {
  const alloc = (n: number) =>
    dtype === "float64"
      ? new Float64Array(n)
      : inHeap
      ? heapArray(Math.max(n, 1024), false)!.subarray(0, n)
      : new Float32Array(n);
  const unit = dtype === "float32" ? 1e-5 : 1e-12;
  checkAgainstReference(
    spec,
    dtype,
    alloc,
    (a, b, out) => blasMatmul(lib!, a, b, spec, out),
    g,
    unit,
  );
}

Deno.test({
  name:
    "system BLAS products equal the TypeScript reference (float32, float64, transposes, batches)",
  ignore,
  fn: () => {
    const g = new Generator(5);
    for (const dtype of ["float32", "float64"] as const) {
      const shapes = [[1, 1, 1], [5, 7, 3], [33, 64, 70], [130, 17, 513], [300, 200, 300]];
      for (const spec of singleProducts(shapes)) check(spec, dtype, g);
      // batches with their own operands, and one A shared by all
      check(
        { batch: 3, m: 10, n: 13, k: 20, transA: false, transB: true, strideA: 200, strideB: 260 },
        dtype,
        g,
      );
      check(
        { batch: 4, m: 10, n: 13, k: 20, transA: true, transB: false, strideA: 0, strideB: 260 },
        dtype,
        g,
      );
    }
    // operands in the WebAssembly heap (shared memory) pass through the FFI too
    check(
      { batch: 1, m: 40, n: 48, k: 64, transA: false, transB: false, strideA: 2560, strideB: 3072 },
      "float32",
      g,
      true,
    );
  },
});

Deno.test({
  name: "a BLAS product with K = 0 is zeros and one with no rows writes nothing",
  ignore,
  fn: () => {
    const out = new Float32Array(6).fill(7);
    const spec = {
      batch: 1,
      m: 2,
      n: 3,
      k: 0,
      transA: false,
      transB: false,
      strideA: 0,
      strideB: 0,
    };
    blasMatmul(lib!, new Float32Array(0), new Float32Array(0), spec, out);
    assert.deepEqual([...out], [0, 0, 0, 0, 0, 0]);
    const none = new Float32Array(0);
    blasMatmul(lib!, new Float32Array(0), new Float32Array(6), { ...spec, m: 0, k: 2 }, none);
  },
});

Deno.test({
  name: "the BLAS is closed when the program ends, and later products take the WebAssembly kernels",
  ignore,
  fn: async () => {
    // in a process of its own: closing it here would take it from the tests after this one
    const blasUrl = new URL("./blas.ts", import.meta.url).href;
    const tensorUrl = new URL("../mod.ts", import.meta.url).href;
    const code = `
      import { blasUnavailableReason, systemBlas } from "${blasUrl}";
      import { Generator, randNormal } from "${tensorUrl}";
      const g = new Generator(3);
      const a = randNormal([64, 256], 0, 1, { generator: g }), b = randNormal([256, 32], 0, 1, { generator: g });
      const before = await a.matmul(b).data();
      const open = systemBlas() !== null;
      globalThis.dispatchEvent(new Event("unload"));
      const after = await a.matmul(b).data();
      let worst = 0;
      for (let i = 0; i < before.length; i++) worst = Math.max(worst, Math.abs(before[i] - after[i]));
      console.log(JSON.stringify({ open, closed: systemBlas() === null, reason: blasUnavailableReason(), worst }));
    `;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", code],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout).trim();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    const r = JSON.parse(text.split("\n").pop()!);
    assert.equal(r.open, true);
    assert.equal(r.closed, true);
    assert.equal(r.reason, "closed when the program ended");
    assert.ok(r.worst < 1e-3, `the product after closing differs by ${r.worst}`);
  },
});
