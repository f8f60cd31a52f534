// The WebAssembly elementwise kernels against the TypeScript loops they stand
// in for: the same values, NaN, infinities and signed zeros included, on
// lengths that leave 0–3 elements for the scalar tail, and on inputs in and
// out of the heap.

import assert from "node:assert/strict";
import { Generator } from "../random.ts";
import { unfoldSpec } from "../conv.ts";
import { adamInPlace, axpy, binary, momentumInPlace, unary } from "./elementwise.ts";
import { reduce } from "./reduce.ts";
import { fold, maxPool, maxPoolBackward, unfold } from "./unfold.ts";
import { copyStrided } from "./movement.ts";
import { acquire, release } from "./pool.ts";
import { stridesOf } from "../shape.ts";
import { setCpuKernels } from "./kernels.ts";
import { heapAddress, heapArray, wasmEngine } from "./wasm_memory.ts";
import { canSplit, withSplitPasses } from "./_threads_testing.ts";
import { HELPER_KERNELS } from "./wasm/protocol.ts";
import { cpuBackend } from "../device.ts";

const ignore = wasmEngine() === null;

/** Random values with NaN, ±0 and ±Infinity mixed in, in the heap. */
function values(n: number, g: Generator): Float32Array {
  const a = heapArray(n, false)!;
  const special = [NaN, 0, -0, Infinity, -Infinity, 1, -1];
  for (let i = 0; i < n; i++) {
    a[i] = g.uniform() < 0.1 ? special[i % special.length] : g.uniform(-3, 3);
  }
  // and in the scalar tail, whatever its length
  a.set([-0, NaN, -Infinity].slice(0, Math.min(3, n)), n - Math.min(3, n));
  return a;
}

/** A copy of `a` in the heap (an in-place kernel's operands, fresh for each run). */
function inHeap(a: Float32Array): Float32Array {
  const c = heapArray(a.length, false)!;
  c.set(a);
  return c;
}

function same(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      const show = (v: number) => (Object.is(v, -0) ? "-0" : String(v));
      assert.fail(
        `${what}: [${i}] is ${show(actual[i])}, the TypeScript loop gives ${show(expected[i])}`,
      );
    }
  }
}

/** The geometry of 2×2, stride-2 max-pooling of an NCHW input. */
function pool2x2(shape: number[]) {
  return unfoldSpec("maxPool2d", shape, { kernel: 2, stride: 2, padValue: -Infinity });
}

function both<T>(fn: () => T): { fast: T; reference: T } {
  const fast = fn();
  setCpuKernels("reference");
  try {
    return { fast, reference: fn() };
  } finally {
    setCpuKernels("fast");
  }
}

/** Each kernel's check: a name and a body that fails on a difference. */
const CHECKS: [string, () => void][] = [
  [
    "WebAssembly elementwise kernels give what the TypeScript loops give",
    () => {
      const g = new Generator(9);
      for (const n of [1024, 1025, 1026, 1027, 4099]) {
        const a = values(n, g), b = values(n, g);
        const shape = [n];
        const relu = both(() => unary("relu", a, "float32"));
        assert.ok(heapAddress(relu.fast) >= 0, "the output lies in the heap");
        same(relu.fast, relu.reference, `relu n=${n}`);
        for (const op of ["add", "sub", "mul", "div", "reluGrad", "sigmoidGrad"] as const) {
          const r = both(() => binary(op, a, shape, b, shape, shape, "float32"));
          same(r.fast, r.reference, `${op} n=${n}`);
        }
        const ax = both(() => axpy(a, b, -0.01, "float32"));
        same(ax.fast, ax.reference, `axpy n=${n}`);
        // a scalar on the right, also a special value (an array of one, outside the heap)
        for (const s of [2, -0.37, 0, -0, NaN, Infinity]) {
          for (const op of ["add", "sub", "mul", "div"] as const) {
            const r = both(() => binary(op, a, shape, Float32Array.of(s), [], shape, "float32"));
            assert.ok(heapAddress(r.fast) >= 0, "the output lies in the heap");
            same(r.fast, r.reference, `${op} n=${n} by ${s}`);
          }
        }
        // a bias per row: [rows, n/rows] + [rows, 1]
        const rows = 4, cols = Math.floor(n / rows);
        const bias = heapArray(16, false)!.subarray(0, rows);
        bias.set([0.5, -0, NaN, 1e-3]);
        const x = a.subarray(0, rows * cols);
        const biased = both(() =>
          binary("add", x, [rows, cols], bias, [rows, 1], [rows, cols], "float32")
        );
        same(biased.fast, biased.reference, `row + value n=${n}`);
      }
      // a row under every row ([r, c] op [c]) and a value per row ([r, c] op [r, 1]),
      // with row lengths that leave 0–3 floats for the scalar tail
      for (const [rows, cols] of [[17, 61], [16, 63], [20, 64], [33, 3], [18, 2]]) {
        const a = values(rows * cols, g), row = values(cols < 16 ? 16 : cols, g).subarray(0, cols);
        const column = values(rows, g);
        for (const op of ["add", "sub", "mul", "div"] as const) {
          const shape = [rows, cols];
          if (cols >= 16) {
            const r = both(() => binary(op, a, shape, row, [cols], shape, "float32"));
            assert.ok(heapAddress(r.fast) >= 0);
            same(r.fast, r.reference, `${op} [${rows}, ${cols}] with [${cols}]`);
          }
          const c = both(() => binary(op, a, shape, column, [rows, 1], shape, "float32"));
          same(c.fast, c.reference, `${op} [${rows}, ${cols}] with [${rows}, 1]`);
        }
        // each row's maximum and its first position (NaN first wins, ties keep the first)
        for (const op of ["max", "argmax"] as const) {
          const r = both(() => reduce(op, a, rows, cols, 1, "float32"));
          same(r.fast, r.reference, `${op} over rows of [${rows}, ${cols}]`);
        }
      }
      // the same under a leading axis: a convolution's bias over each channel's
      // pixels ([N, C, HW] op [C, 1]), and a row per outer index ([N, R, n] op [N, 1, n])
      for (const [outer, rows, cols] of [[3, 5, 7], [2, 17, 64], [4, 3, 18]]) {
        const a = values(outer * rows * cols, g);
        const perChannel = values(16 + rows, g).subarray(0, rows);
        const perOuter = values(Math.max(16, outer * cols), g).subarray(0, outer * cols);
        const shape = [outer, rows, cols];
        for (const op of ["add", "sub", "mul", "div"] as const) {
          const c = both(() => binary(op, a, shape, perChannel, [rows, 1], shape, "float32"));
          same(c.fast, c.reference, `${op} ${shape} with [${rows}, 1]`);
          const r = both(() => binary(op, a, shape, perOuter, [outer, 1, cols], shape, "float32"));
          same(r.fast, r.reference, `${op} ${shape} with [${outer}, 1, ${cols}]`);
        }
      }
      const ties = heapArray(16, false)!;
      ties.set([1, 3, 3, 2, -0, 0, 0, -0, NaN, 5, NaN, 5, -Infinity, -Infinity, 7, 7]);
      for (const op of ["max", "argmax"] as const) {
        const r = both(() => reduce(op, ties, 4, 4, 1, "float32"));
        same(r.fast, r.reference, `${op} with ties, zeros and NaN`);
      }
    },
  ],
  [
    "WebAssembly e^x and σ round to Math.exp's float32 values, over the whole float32 range",
    () => {
      const g = new Generator(11);
      // the four-wide loop and every tail length; then a million values where
      // rounding is decided: everywhere e^x neither overflows nor underflows
      // (|x| ≤ 104), near zero, and across σ's saturation
      for (const n of [1024, 1025, 1026, 1027, 1 << 20]) {
        const x = values(n, g);
        for (let i = 0; i < n - 3; i++) {
          const r = g.uniform();
          if (i % 9 === 0) continue; // keep the special values values() put here
          x[i] = r < 0.6
            ? g.uniform(-104, 90)
            : r < 0.8
            ? g.uniform(-1e-3, 1e-3)
            : g.uniform(-20, 20);
        }
        // past overflow, into float32 subnormals, past the clamp, and the largest floats
        x.set([88.7, 88.73, -87.4, -103.9, -104, 709.5, -800, 3.4e38, -3.4e38], 1);
        for (const op of ["exp", "sigmoid"] as const) {
          const r = both(() => unary(op, x, "float32"));
          assert.ok(heapAddress(r.fast) >= 0, "the output lies in the heap");
          same(r.fast, r.reference, `${op} n=${n}`);
        }
      }
    },
  ],
  [
    "WebAssembly 2×2 max-pooling picks the TypeScript loop's values and positions",
    () => {
      const g = new Generator(10);
      for (const [h, w] of [[16, 16], [9, 8], [32, 40], [6, 10]]) {
        const s = pool2x2([4, 16, h, w]);
        // few distinct values, so windows tie; NaNs in some
        const x = heapArray(s.n * s.c * h * w, false)!;
        for (let i = 0; i < x.length; i++) {
          const u = g.uniform();
          x[i] = u < 0.05 ? NaN : Math.floor(u * 3);
        }
        const r = both(() => maxPool(x, s, "float32"));
        same(r.fast.out, r.reference.out, `values ${h}×${w}`);
        same(r.fast.argmax, r.reference.argmax, `positions ${h}×${w}`);
      }
    },
  ],
  [
    "WebAssembly im2col (unfold) and col2im (fold) give the TypeScript loops' values",
    () => {
      const g = new Generator(11);
      // [N, C, H, W], kernel, stride, padding, dilation: rows of 1–3 valid pixels, of 4 and 5 (an
      // overlapping last group), rows wholly in the padding, a stride down, dilation, batch-inner
      const cases: [number[], number[], number[], number[], number[], boolean][] = [
        [[2, 3, 16, 16], [3, 3], [1, 1], [1, 1], [1, 1], true],
        [[2, 3, 16, 16], [3, 3], [1, 1], [1, 1], [1, 1], false],
        // "same" geometries (the one-stretch path): dilated, a wider kernel, a single column
        [[2, 3, 6, 7], [3, 3], [1, 1], [2, 2], [2, 2], true],
        [[2, 2, 5, 5], [5, 5], [1, 1], [2, 2], [1, 1], false],
        [[3, 2, 4, 1], [3, 3], [1, 1], [1, 1], [1, 1], true],
        [[3, 2, 7, 5], [3, 3], [1, 1], [2, 2], [1, 1], true],
        [[1, 4, 9, 6], [5, 3], [2, 1], [1, 2], [2, 1], false],
        [[2, 1, 5, 3], [2, 2], [1, 1], [0, 0], [1, 1], true],
        [[1, 2, 4, 9], [3, 4], [1, 1], [3, 1], [1, 2], false],
      ];
      for (const [shape, kernel, stride, padding, dilation, batchInner] of cases) {
        for (const padValue of [0, -Infinity]) {
          const s = {
            ...unfoldSpec("unfold", shape, {
              kernel: kernel as [number, number],
              stride: stride as [number, number],
              padding: padding as [number, number],
              dilation: dilation as [number, number],
              padValue,
            }),
            batchInner,
          };
          const what = `${shape} k${kernel} s${stride} p${padding} d${dilation}${
            batchInner ? " batch-inner" : ""
          } pad ${padValue}`;
          const x = values(s.n * s.c * s.h * s.w, g);
          const cols = both(() => unfold(x, s, "float32"));
          assert.ok(heapAddress(cols.fast) >= 0, "the columns lie in the heap");
          same(cols.fast, cols.reference, `unfold ${what}`);
          if (padValue !== 0) continue;
          const c = values(cols.fast.length, g);
          const back = both(() => fold(c, s, "float32"));
          same(back.fast, back.reference, `fold ${what}`);
        }
      }
    },
  ],
  [
    "WebAssembly momentum step gives the TypeScript loop's weights and velocity",
    () => {
      const g = new Generator(15);
      for (const n of [1024, 1025, 1027, 4099]) {
        const p = values(n, g), grad = values(n, g), m = values(n, g);
        const r = both(() => {
          const [pc, mc] = [inHeap(p), inHeap(m)];
          momentumInPlace(pc, grad, mc, 0.9, -0.01);
          return [pc, mc];
        });
        same(r.fast[1], r.reference[1], `velocity n=${n}`);
        same(r.fast[0], r.reference[0], `weights n=${n}`);
      }
    },
  ],
  [
    "WebAssembly Adam step gives the TypeScript loop's weights and moments",
    () => {
      const g = new Generator(16);
      for (const n of [1024, 1025, 1027, 4099]) {
        // gradients and moments of several scales, NaN, ±0 and ±Infinity among them
        const p = values(n, g), grad = values(n, g).map((x, i) => x * 10 ** ((i % 9) - 6));
        const m = values(n, g).map((x) => x * 1e-3), v = values(n, g).map((x) => x * x * 1e-4);
        for (const t of [1, 7]) {
          const s = {
            beta1: 0.9,
            beta2: 0.999,
            vScale: 1 / (1 - 0.999 ** t),
            eps: 1e-8,
            step: -0.001 / (1 - 0.9 ** t),
          };
          const r = both(() => {
            const [pc, gc, mc, vc] = [inHeap(p), inHeap(grad), inHeap(m), inHeap(v)];
            adamInPlace(pc, gc, mc, vc, s);
            return [pc, mc, vc];
          });
          for (const [k, name] of ["weights", "first moment", "second moment"].entries()) {
            same(r.fast[k], r.reference[k], `${name} n=${n} t=${t}`);
          }
        }
      }
    },
  ],
  [
    "WebAssembly dropout masks give the TypeScript loop's bits",
    () => {
      // lengths that leave 0–3 for the scalar tail; seeds at the ends of 32 bits; thresholds
      // keeping all, about half and almost none
      for (const n of [1024, 1027, 4099]) {
        for (const seed of [0, 1, 0x9e3779b9, 0xffffffff]) {
          for (const [threshold, keep] of [[0, 1], [1 << 23, 2], [(1 << 24) - 1, 1 / 0.7]]) {
            const r = both(() => cpuBackend().dropoutMask(n, seed, threshold, keep, "float32"));
            assert.ok(heapAddress(r.fast) >= 0, "the mask lies in the heap");
            same(r.fast, r.reference, `n=${n} seed ${seed} threshold ${threshold}`);
          }
        }
      }
    },
  ],
  [
    "WebAssembly strided copies of contiguous runs give the TypeScript loop's values",
    () => {
      const g = new Generator(12);
      // a source shape, the axis order of the view, and an offset into a longer array
      const cases: [number[], number[], number][] = [
        [[6, 5, 40], [1, 0, 2], 0], // [O, N, L] → [N, O, L], a convolution's output
        [[3, 4, 5, 33], [2, 0, 1, 3], 7], // rank 4, blocks of rows under two outer axes
        [[7, 9], [0, 1], 3], // a contiguous slice: one run
        [[2, 3, 4], [0, 2, 1], 0], // the last axis moves: strided elements, the loop's path
      ];
      for (const [shape, order, offset] of cases) {
        const size = shape.reduce((a, b) => a * b, 1);
        const x = values(size + offset + 5, g);
        const st = stridesOf(shape);
        const outShape = order.map((d) => shape[d]), strides = order.map((d) => st[d]);
        const r = both(() => copyStrided(x, outShape, strides, offset, "float32"));
        assert.ok(heapAddress(r.fast) >= 0, "the copy lies in the heap");
        same(r.fast, r.reference, `${shape} as ${order} from ${offset}`);
      }
    },
  ],
  [
    "WebAssembly column and row sums give the TypeScript loops' float64-accumulated sums",
    () => {
      const g = new Generator(13);
      // [outer, n, inner]: odd widths (a scalar column), several blocks, widths growing past the
      // accumulators' first size, a single row; then whole rows (inner 1), in groups of four
      // and alone, short and long
      for (
        const [outer, n, inner] of [
          [1, 32, 64],
          [1, 32, 36],
          [3, 5, 7],
          [2, 9, 1],
          [1, 4, 301],
          [1, 1, 3],
          [16, 300, 1],
          [19, 7, 1],
          [33, 1, 1],
        ]
      ) {
        const x = values(outer * n * inner + 16, g).subarray(0, outer * n * inner);
        // values of mixed magnitude, so a float32 accumulator would round differently
        for (let i = 0; i < x.length; i += 3) x[i] *= 1e6;
        const r = both(() => reduce("sum", x, outer, n, inner, "float32"));
        // (fewer than 16 sums are not put in the heap: the loop serves them)
        if (outer * inner >= 16) assert.ok(heapAddress(r.fast) >= 0, "the sums lie in the heap");
        same(r.fast, r.reference, `sum over n of [${outer}, ${n}, ${inner}]`);
      }
    },
  ],
  [
    "WebAssembly 2×2 max-pool backward gives the TypeScript loop's gradient, −0 and NaN included",
    () => {
      const g = new Generator(14);
      for (const [h, w] of [[16, 16], [8, 6], [4, 2], [32, 40]]) {
        const s = pool2x2([3, 4, h, w]);
        const x = values(s.n * s.c * h * w, g);
        const { out, argmax } = maxPool(x, s, "float32");
        const grad = values(out.length, g);
        // a reused block with old contents: every pixel must be written
        const junk = acquire("float32", x.length, false);
        junk.fill(7);
        release(junk);
        const r = both(() => maxPoolBackward(grad, argmax, s, "float32"));
        assert.ok(heapAddress(r.fast) >= 0, "the gradient lies in the heap");
        same(r.fast, r.reference, `pool backward ${h}×${w}`);
      }
    },
  ],
];

for (const [name, fn] of CHECKS) Deno.test({ name, ignore, fn });

Deno.test({
  name: "the same values with every large pass cut between two threads",
  ignore: ignore || !canSplit,
  fn: async () => {
    // every kernel the checks call takes its second half on the helper
    // (the product's split is tested with the GEMM, batch norm's with it)
    const expected = HELPER_KERNELS.filter((k) => k !== "gemm" && !k.startsWith("bn_"));
    const cut = await withSplitPasses(() => {
      for (const [, fn] of CHECKS) fn();
    }, expected);
    for (const k of expected) assert.ok(cut.has(k), `${k} was never cut in two`);
  },
});
