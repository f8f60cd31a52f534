// The WebAssembly kernels against the TypeScript reference, on every shape
// class the kernel treats differently: edge panels, transposes, batches
// sharing one operand, the K blocking, and the split over two threads.

import assert from "node:assert/strict";
import { Generator } from "../random.ts";
import type { MatmulSpec } from "../backend.ts";
import { checkAgainstReference, singleProducts } from "./_matmul_testing.ts";
import type { TypedArray } from "../dtype.ts";
import {
  DEFAULT_PARALLEL_MIN_MACS,
  setParallelThreshold,
  wasmGemmAvailable,
  wasmMatmul,
} from "./wasm_gemm.ts";
import { HEAP_MIN_LENGTH, heapAddress, heapArray } from "./wasm_memory.ts";
import { helperTaskCount } from "./wasm_threads.ts";
import { buildKernels, embedded } from "./wasm/build.ts";

/** Where the operands live: ordinary arrays (copied in), or the kernels' heap (read in place). */
type Home = "js" | "heap";

function array(n: number, home: Home): Float32Array {
  if (home === "js") return new Float32Array(n);
  // NaN right after the array: the kernel's reads past an operand's end (the
  // last panels' padding) and its writes into C must stay out of the result
  const h = heapArray(Math.max(n + 256, HEAP_MIN_LENGTH), false);
  assert.ok(h, "the heap hands out an array");
  return h.fill(NaN).subarray(0, n);
}

function check(spec: MatmulSpec, threads: boolean, g: Generator, home: Home = "js") {
  checkAgainstReference(
    spec,
    "float32",
    (n) => array(n, home),
    (a, b, out) => {
      if (home === "heap") assert.ok(heapAddress(a) >= 0 && heapAddress(out) >= 0);
      const f32 = (x: TypedArray) => x as Float32Array;
      assert.ok(wasmMatmul(f32(a), f32(b), spec, f32(out), threads));
    },
    g,
    1e-5,
  );
}

Deno.test({
  name: "WebAssembly GEMM equals the TypeScript reference on every shape class",
  ignore: !wasmGemmAvailable(),
  fn: () => {
    const g = new Generator(1);
    // edge panels in either direction or both, K past one block, C written in place
    // (n a multiple of 8) with and without a partial row panel
    const shapes = [
      [1, 1, 1],
      [5, 7, 3],
      [6, 8, 256],
      [7, 9, 257],
      [33, 65, 70],
      [130, 17, 513],
      [64, 200, 31],
      [33, 64, 70],
      [12, 16, 9],
      [1, 8, 300],
    ];
    for (const home of ["js", "heap"] as const) {
      for (const spec of singleProducts(shapes)) check(spec, false, g, home);
      check(
        { batch: 3, m: 10, n: 16, k: 20, transA: false, transB: true, strideA: 200, strideB: 320 },
        false,
        g,
        home,
      );
    }
    // batches: each with its own operands, or one A (conv weights) shared by all
    check(
      { batch: 3, m: 10, n: 13, k: 20, transA: false, transB: false, strideA: 200, strideB: 260 },
      false,
      g,
    );
    check(
      { batch: 4, m: 10, n: 13, k: 20, transA: false, transB: true, strideA: 0, strideB: 260 },
      false,
      g,
    );
    check(
      { batch: 2, m: 9, n: 11, k: 5, transA: true, transB: false, strideA: 45, strideB: 0 },
      false,
      g,
    );
  },
});

Deno.test({
  name: "the two-thread split gives the same result",
  ignore: !wasmGemmAvailable(),
  fn: async () => {
    const g = new Generator(2);
    const spec = {
      batch: 2,
      m: 50,
      n: 90,
      k: 300,
      transA: false,
      transB: false,
      strideA: 15000,
      strideB: 27000,
    };
    const before = helperTaskCount();
    setParallelThreshold(1);
    try {
      // the helper starts asynchronously (under deno test its module is type-checked first)
      for (let round = 0; round < 100 && helperTaskCount() < before + 2; round++) {
        check(spec, true, g);
        check({ ...spec, n: 96, strideB: 28800 }, true, g, "heap");
        await new Promise((r) => setTimeout(r, 100));
      }
      if ((navigator.hardwareConcurrency ?? 1) > 1) {
        assert.ok(helperTaskCount() > before, "the helper thread never ran");
      }
      // bit for bit: the helper takes whole column panels, each element summed in one order
      // (so choosing one thread or two by timing cannot change a training's numbers)
      const a = g.fillUniform(new Float32Array(50 * 300)),
        b = g.fillUniform(new Float32Array(300 * 96));
      const split = { ...spec, batch: 1, n: 96, strideA: 0, strideB: 0 };
      const one = new Float32Array(50 * 96), two = new Float32Array(50 * 96);
      const helped = helperTaskCount();
      assert.ok(wasmMatmul(a, b, split, one, false) && wasmMatmul(a, b, split, two, true));
      if (helperTaskCount() > helped) assert.deepEqual(two, one);
      // after it leaves (idle), products still complete on the main thread
      await new Promise((r) => setTimeout(r, 400));
      check(spec, true, g);
    } finally {
      setParallelThreshold(DEFAULT_PARALLEL_MIN_MACS);
    }
  },
});

Deno.test("the committed kernels.wasm and data_copy.wat are what the generators build", async () => {
  const { wasm, wat, dataWasm, dataWat } = await buildKernels();
  const dir = new URL("./wasm/", import.meta.url);
  assert.equal(await Deno.readTextFile(new URL("kernels.wat", dir)), wat);
  assert.deepEqual(await Deno.readFile(new URL("kernels.wasm", dir)), wasm);
  assert.equal(await Deno.readTextFile(new URL("data_copy.wat", dir)), dataWat);
  assert.equal(
    await Deno.readTextFile(new URL("kernels_wasm.ts", dir)),
    embedded(wasm, dataWasm),
  );
});
