// Helpers the op files share: wrapping buffers, constant scalars, and the
// device/dtype checks that every multi-input op makes once.

import type { DType } from "./dtype.ts";
import { formatShape } from "./shape.ts";
import { Tensor, type TensorLike } from "./tensor.ts";
import type { Backend } from "./backend.ts";

const constants = new WeakMap<Backend, Map<string, Tensor>>();
const MAX_CONSTANTS = 4096;

/**
 * A scalar tensor holding `value` on `like`'s device and dtype. Small and
 * frequent constants are cached and never freed; callers must not dispose
 * the result (disposing a cached constant is a no-op anyway).
 */
export function scalarLike(value: number, like: Tensor): Tensor {
  return constant(value, like.dtype, like.backend);
}

/** A cached constant scalar. */
export function constant(value: number, dtype: DType, backend: Backend): Tensor {
  let cache = constants.get(backend);
  if (!cache) constants.set(backend, cache = new Map());
  const key = `${dtype}:${Object.is(value, -0) ? "-0" : value}`;
  let t = cache.get(key);
  if (!t) {
    t = new Tensor(backend.full(1, dtype, value), [], dtype, backend);
    if (cache.size < MAX_CONSTANTS) {
      t.makePersistent();
      cache.set(key, t);
    }
  }
  return t;
}

/** Turn a number operand into a scalar tensor like `like`. */
export function operand(x: TensorLike, like: Tensor): Tensor {
  return typeof x === "number" ? scalarLike(x, like) : x;
}

/** Throw unless every tensor shares one device and dtype. */
export function checkCompatible(op: string, tensors: readonly Tensor[]): void {
  const [a] = tensors;
  for (const t of tensors) {
    if (!(t instanceof Tensor)) {
      throw new TypeError(`Cannot ${op}: expected a Tensor, got ${String(t)}`);
    }
    if (t.backend !== a.backend) {
      throw new TypeError(
        `Cannot ${op} a ${a.device} tensor with a ${t.device} tensor: move one with await t.to(device)`,
      );
    }
    if (t.dtype !== a.dtype) {
      throw new TypeError(
        `Cannot ${op} ${a.dtype} ${formatShape(a.shape)} with ${t.dtype} ${
          formatShape(t.shape)
        }: cast one with .cast()`,
      );
    }
  }
}

/** Wrap a new buffer from `like`'s backend. */
export function wrap(buf: unknown, shape: readonly number[], like: Tensor): Tensor {
  return new Tensor(buf, shape, like.dtype, like.backend);
}
