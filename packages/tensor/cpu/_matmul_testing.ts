// What the tests of the fast matmul paths (WebAssembly, system BLAS) share:
// random operands for a product, its TypeScript reference, and a comparison
// whose tolerance grows with K.

import type { MatmulSpec } from "../backend.ts";
import type { DType, TypedArray } from "../dtype.ts";
import type { Generator } from "../random.ts";
import { matmulReference } from "./matmul.ts";

/** Every single product of these `[m, n, k]` shapes, with either operand transposed or not. */
export function singleProducts(shapes: readonly number[][]): MatmulSpec[] {
  return shapes.flatMap(([m, n, k]) =>
    [false, true].flatMap((transA) =>
      [false, true].map((transB) => ({
        batch: 1,
        m,
        n,
        k,
        transA,
        transB,
        strideA: m * k,
        strideB: k * n,
      }))
    )
  );
}

/**
 * Run `product` on random operands from `alloc` and check it against the
 * reference: each element within `unit·(k + 1)`.
 *
 * @param spec The product.
 * @param dtype The element type of the reference.
 * @param alloc Arrays for the operands and the result (the result starts as NaN).
 * @param product The path under test, writing the whole result.
 * @param g The random source.
 * @param unit The tolerance per multiply-add.
 */
export function checkAgainstReference(
  spec: MatmulSpec,
  dtype: DType,
  alloc: (n: number) => TypedArray,
  product: (a: TypedArray, b: TypedArray, out: TypedArray) => void,
  g: Generator,
  unit: number,
): void {
  const aLen = (spec.strideA || spec.m * spec.k) * (spec.strideA ? spec.batch : 1);
  const bLen = (spec.strideB || spec.k * spec.n) * (spec.strideB ? spec.batch : 1);
  const a = g.fillUniform(alloc(aLen), -1, 1), b = g.fillUniform(alloc(bLen), -1, 1);
  const expected = matmulReference(a, b, spec, dtype);
  const out = alloc(spec.batch * spec.m * spec.n).fill(NaN);
  product(a, b, out);
  const tol = unit * (spec.k + 1);
  for (let i = 0; i < out.length; i++) {
    if (!(Math.abs(out[i] - expected[i]) <= tol)) {
      throw new Error(
        `${dtype} ${JSON.stringify(spec)}: [${i}] is ${out[i]}, expected ${expected[i]}`,
      );
    }
  }
}
