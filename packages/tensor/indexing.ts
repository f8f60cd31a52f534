/**
 * Index-based ops: gather along an axis, its adjoint scatter-add, one-hot
 * encoding and row selection. Indices are numbers stored in a float tensor.
 *
 * @module
 */

import { record } from "./autograd.ts";
import { formatShape, normalizeAxis, sizeOf } from "./shape.ts";
import type { Tensor } from "./tensor.ts";
import { checkCompatible, wrap } from "./_operand.ts";

function geometry(op: string, x: Tensor, axis: number, index: Tensor) {
  checkCompatible(op, [x, index]);
  const a = normalizeAxis(op, axis, x.rank);
  if (index.rank !== x.rank || index.shape.some((d, i) => i !== a && d !== x.shape[i])) {
    throw new TypeError(
      `Cannot ${op} ${formatShape(x.shape)} with index ${
        formatShape(index.shape)
      } along axis ${a}: extents other than axis ${a} must match`,
    );
  }
  return {
    a,
    outer: sizeOf(x.shape.slice(0, a)),
    inner: sizeOf(x.shape.slice(a + 1)),
  };
}

/**
 * `out[…, j, …] = x[…, index[…, j, …], …]` along `axis` (as `torch.gather`).
 *
 * @param x The source.
 * @param axis The axis the index selects along.
 * @param index Integer-valued, same rank as `x`, equal extents off `axis`.
 * @returns A tensor of `index`'s shape.
 * @example
 * ```ts
 * import { tensor } from "@recognize/tensor";
 * const y = tensor([[10, 11, 12], [20, 21, 22]]).gather(1, tensor([[2], [0]]));
 * console.assert(y.dataSync().join() === "12,20");
 * ```
 */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  const { a, outer, inner } = geometry("gather", x, axis, index);
  const n = x.shape[a], k = index.shape[a];
  const buf = x.backend.gather(x.buffer, index.buffer, outer, n, k, inner, x.dtype);
  return record(wrap(buf, index.shape, x), [x], "gather", (save) => {
    const idx = save(index);
    return (g) => [scatterAdd(g, a, idx, n)];
  });
}

/**
 * The adjoint of gather: a zero tensor with extent `size` along `axis`, into
 * which every `src` element is added at its index.
 *
 * @param src Values, shaped like `index`.
 * @param axis The axis.
 * @param index Integer-valued positions along `axis`.
 * @param size The result's extent along `axis`.
 * @returns The scattered sums.
 */
export function scatterAdd(src: Tensor, axis: number, index: Tensor, size: number): Tensor {
  checkCompatible("scatterAdd", [src, index]);
  const a = normalizeAxis("scatterAdd", axis, src.rank);
  if (index.shape.join() !== src.shape.join()) {
    throw new TypeError(
      `Cannot scatterAdd ${formatShape(src.shape)} with index ${formatShape(index.shape)}`,
    );
  }
  const outer = sizeOf(src.shape.slice(0, a)), inner = sizeOf(src.shape.slice(a + 1));
  const k = src.shape[a];
  const buf = src.backend.scatterAdd(src.buffer, index.buffer, outer, size, k, inner, src.dtype);
  const shape = [...src.shape];
  shape[a] = size;
  return record(wrap(buf, shape, src), [src], "scatterAdd", (save) => {
    const idx = save(index);
    return (g) => [gather(g, a, idx)];
  });
}

/**
 * One-hot rows: `out[..., c] = 1` where `c = indices[...]` (a row of zeros
 * where an index is not a whole number in `[0, numClasses)`).
 *
 * @param indices Integer-valued class indices of any shape.
 * @param numClasses The number of classes.
 * @returns A tensor of shape `[...indices.shape, numClasses]`.
 */
export function oneHot(indices: Tensor, numClasses: number): Tensor {
  if (!Number.isInteger(numClasses) || numClasses <= 0) {
    throw new RangeError(`Cannot one-hot encode into ${numClasses} classes`);
  }
  const buf = indices.backend.oneHot(indices.buffer, indices.size, numClasses, indices.dtype);
  return wrap(buf, [...indices.shape, numClasses], indices);
}

/**
 * Rows (or slices along `axis`) picked by a list of positions.
 *
 * @param x The source.
 * @param axis The axis to select along.
 * @param positions A 1-D integer-valued tensor.
 * @returns `x` with `axis` replaced by the selection.
 */
export function indexSelect(x: Tensor, axis: number, positions: Tensor): Tensor {
  checkCompatible("indexSelect", [x, positions]);
  const a = normalizeAxis("indexSelect", axis, x.rank);
  if (positions.rank !== 1) {
    throw new TypeError(`indexSelect needs 1-D positions, not ${formatShape(positions.shape)}`);
  }
  const k = positions.shape[0], n = x.shape[a];
  const outer = sizeOf(x.shape.slice(0, a)), inner = sizeOf(x.shape.slice(a + 1));
  const shape = x.shape.map((d, i) => (i === a ? k : d));
  const buf = x.backend.take(x.buffer, positions.buffer, outer, n, k, inner, x.dtype);
  return record(wrap(buf, shape, x), [x], "indexSelect", (save) => {
    const pos = save(positions);
    return (g) => {
      // the adjoint adds each slice back at its position: scatter-add with the index spread over the slice
      using p = pos.reshape(x.shape.map((_, i) => (i === a ? k : 1)));
      using idx = p.expand(shape);
      return [scatterAdd(g, a, idx, n)];
    };
  });
}
