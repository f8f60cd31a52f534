/**
 * Batched matrix multiplication with optionally transposed operands, the
 * primitive under linear layers and (through im2col) convolution.
 *
 * @module
 */

import { record } from "./autograd.ts";
import { broadcastShapes, formatShape, sameShape, type Shape, sizeOf } from "./shape.ts";
import type { MatmulSpec } from "./backend.ts";
import type { Tensor } from "./tensor.ts";
import { checkCompatible, wrap } from "./_operand.ts";
import { sumTo } from "./reduce.ts";

/** Options of {@link matmul}. */
export interface MatmulOptions {
  /** Use the first operand transposed (its last two axes swapped). */
  transA?: boolean;
  /** Use the second operand transposed. */
  transB?: boolean;
}

/** A product's geometry: its spec, its shape, and the operands expanded to the full batch. */
interface Product {
  spec: MatmulSpec;
  outShape: Shape;
  ea: Tensor;
  eb: Tensor;
}

/** Check a product's operands and work out its geometry (the caller disposes `ea`/`eb` when new). */
function product(op: string, a: Tensor, b: Tensor, options: MatmulOptions): Product {
  const transA = options.transA ?? false, transB = options.transB ?? false;
  checkCompatible(op, [a, b]);
  if (a.rank < 2 || b.rank < 2) {
    throw new TypeError(
      `Cannot ${op} ${formatShape(a.shape)} and ${formatShape(b.shape)}: both need rank 2 or more`,
    );
  }
  const ar = a.shape[a.rank - 2], ac = a.shape[a.rank - 1];
  const br = b.shape[b.rank - 2], bc = b.shape[b.rank - 1];
  const m = transA ? ac : ar, k = transA ? ar : ac;
  const kb = transB ? bc : br, n = transB ? br : bc;
  if (k !== kb) {
    throw new TypeError(
      `Cannot ${op} ${formatShape(a.shape)}${transA ? "ᵀ" : ""} and ${formatShape(b.shape)}${
        transB ? "ᵀ" : ""
      }: inner dimensions ${k} and ${kb} differ`,
    );
  }
  if (a.rank === 2 && b.rank === 2) {
    // two matrices (every product of an MLP step): no batch axes to broadcast
    const spec = { batch: 1, m, n, k, transA, transB, strideA: m * k, strideB: k * n };
    return { spec, outShape: [m, n], ea: a, eb: b };
  }
  const aBatch = a.shape.slice(0, -2), bBatch = b.shape.slice(0, -2);
  const batchShape = broadcastShapes(op, aBatch, bBatch);
  const batch = sizeOf(batchShape);

  // each operand either has the full batch, or one matrix reused for all
  const full = (s: Shape) => sizeOf(s) === batch;
  const single = (s: Shape) => sizeOf(s) === 1;
  let ea = a, eb = b;
  if (!full(aBatch) && !single(aBatch)) ea = a.expand([...batchShape, ar, ac]);
  if (!full(bBatch) && !single(bBatch)) eb = b.expand([...batchShape, br, bc]);
  const spec = {
    batch,
    m,
    n,
    k,
    transA,
    transB,
    strideA: single(ea.shape.slice(0, -2)) && batch > 1 ? 0 : m * k,
    strideB: single(eb.shape.slice(0, -2)) && batch > 1 ? 0 : k * n,
  };
  return { spec, outShape: [...batchShape, m, n], ea, eb };
}

/**
 * `op(a) · op(b)` over the last two axes, broadcasting the leading (batch) axes.
 *
 * @param a `[..., m, k]` (or `[..., k, m]` with `transA`).
 * @param b `[..., k, n]` (or `[..., n, k]` with `transB`).
 * @param options Transposition flags.
 * @returns `[..., m, n]`.
 * @example
 * ```ts
 * import { tensor } from "@recognize/tensor";
 * const c = tensor([[1, 2]]).matmul(tensor([[3], [4]]));
 * console.assert(c.dataSync()[0] === 11); // 1·3 + 2·4
 * ```
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const transA = options.transA ?? false, transB = options.transB ?? false;
  const { spec, outShape, ea, eb } = product("matmul", a, b, options);
  const buf = a.backend.matmul(ea.buffer, eb.buffer, spec, a.dtype);
  if (ea !== a) ea.dispose();
  if (eb !== b) eb.dispose();

  return record(wrap(buf, outShape, a), [a, b], "matmul", (save) => {
    const sa = save(a), sb = save(b);
    return (g, needs) => productGrads(g, sa, sb, transA, transB, needs);
  });
}

/** The gradients of `C = op(A)·op(B)` for C's gradient `g`: those `needs` asks for. */
function productGrads(
  g: Tensor,
  a: Tensor,
  b: Tensor,
  transA: boolean,
  transB: boolean,
  needs: readonly boolean[],
): [Tensor | null, Tensor | null] {
  let ga: Tensor | null = null, gb: Tensor | null = null;
  if (needs[0]) {
    // dA = g·op(B)ᵀ, stored transposed when transA
    const d = transA
      ? matmul(b, g, { transA: transB, transB: true })
      : matmul(g, b, { transB: !transB });
    ga = sumTo(d, a.shape);
  }
  if (needs[1]) {
    // dB = op(A)ᵀ·g, stored transposed when transB
    const d = transB
      ? matmul(g, a, { transA: true, transB: transA })
      : matmul(a, g, { transA: !transA });
    gb = sumTo(d, b.shape);
  }
  return [ga, gb];
}

/** Options of {@link matmulBias}. */
export interface MatmulBiasOptions extends MatmulOptions {
  /** `cols`: the bias has a value per column of the result (a linear layer's); `rows`: per row. */
  on: "rows" | "cols";
}

/**
 * `op(a)·op(b)` plus a bias broadcast along the result's rows or columns
 * (two matrices): a linear layer (`x·Wᵀ + b`, `on: "cols"`) or a convolution
 * as one product (`W·cols + b`, `on: "rows"`). One op where the backend
 * offers it (WebGPU: the kernel adds the bias as it stores), else the
 * product and an add, with the same numbers either way.
 *
 * @param a `[m, k]` (or `[k, m]` with `transA`).
 * @param b `[k, n]` (or `[n, k]` with `transB`).
 * @param bias `[n]` (`on: "cols"`) or `[m]` (`on: "rows"`).
 * @param options Transposition flags and which way the bias runs.
 * @returns `[m, n]`.
 * @example
 * ```ts
 * import { matmulBias, tensor } from "@recognize/tensor";
 * const y = matmulBias(tensor([[1, 2]]), tensor([[3], [4]]), tensor([0.5]), { on: "cols" });
 * console.assert(y.dataSync()[0] === 11.5);
 * ```
 */
export function matmulBias(
  a: Tensor,
  b: Tensor,
  bias: Tensor,
  options: MatmulBiasOptions,
): Tensor {
  const transA = options.transA ?? false, transB = options.transB ?? false;
  // the factors are checked against each other by `product`
  checkCompatible("matmulBias", [a, bias]);
  const { spec, outShape, ea, eb } = product("matmulBias", a, b, options);
  if (ea !== a) ea.dispose();
  if (eb !== b) eb.dispose();
  const length = options.on === "rows" ? spec.m : spec.n;
  if (a.rank !== 2 || b.rank !== 2 || bias.rank !== 1 || bias.shape[0] !== length) {
    throw new TypeError(
      `Cannot matmulBias ${formatShape(a.shape)} and ${formatShape(b.shape)} with bias ${
        formatShape(bias.shape)
      }: expected two matrices and a bias of ${length} (one per ${
        options.on === "rows" ? "row" : "column"
      })`,
    );
  }
  const backend = a.backend;
  if (!backend.matmulBias) {
    using y = matmul(a, b, options);
    if (options.on === "cols") return y.add(bias);
    using column = bias.reshape([length, 1]);
    return y.add(column);
  }
  const buf = backend.matmulBias(a.buffer, b.buffer, bias.buffer, spec, options.on, a.dtype);
  return record(wrap(buf, outShape, a), [a, b, bias], "matmulBias", (save) => {
    const sa = save(a), sb = save(b);
    return (g, needs) => {
      const [ga, gb] = productGrads(g, sa, sb, transA, transB, needs);
      return [ga, gb, needs[2] ? g.sum(options.on === "rows" ? 1 : 0) : null];
    };
  });
}

/**
 * `c += alpha · op(a)·op(b)` in place, the product having `c`'s shape: an SGD
 * step on a weight whose gradient is a product (`W −= lr · xᵀδ`) without the
 * gradient being stored. The caller ({@link Tensor.addMatmulInPlace}) has
 * checked that `c` may be written.
 */
export function addMatmulInPlace(
  c: Tensor,
  a: Tensor,
  b: Tensor,
  alpha: number,
  options: MatmulOptions = {},
): void {
  // the factors are checked against each other by `product`
  checkCompatible("addMatmulInPlace", [c, a]);
  const { spec, outShape, ea, eb } = product("addMatmulInPlace", a, b, options);
  try {
    if (!sameShape(outShape, c.shape)) {
      throw new TypeError(
        `Cannot addMatmulInPlace a ${formatShape(outShape)} product to ${formatShape(c.shape)}`,
      );
    }
    const backend = c.backend;
    if (ea.buffer === c.buffer || eb.buffer === c.buffer) {
      // an operand that is the target would be read while it is written: make the product first
      const p = backend.matmul(ea.buffer, eb.buffer, spec, c.dtype);
      backend.axpyInPlace(c.buffer, p, alpha, c.size, c.dtype);
      backend.release(p);
    } else backend.matmulAccumulate(c.buffer, ea.buffer, eb.buffer, spec, alpha, c.dtype);
  } finally {
    if (ea !== a) ea.dispose();
    if (eb !== b) eb.dispose();
  }
}
