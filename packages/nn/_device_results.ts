// Results kept on the device until one read: a training loop adds each
// batch's loss and hit count as it comes and reads the totals once an epoch;
// an evaluation keeps each chunk's predicted classes and reads them all at
// the end. Nothing outlives its step (an epoch of scalar tensors kept to the
// end made V8 promote them), and on a GPU every read is a round trip.

import { concat, noGrad, type Tensor } from "@recognize/tensor";

/**
 * `sum += t` in place, for any one shape, taking ownership of `t` (which
 * becomes the sum when there is none yet): no new tensor a batch.
 */
export function accumulate(sum: Tensor | null, t: Tensor): Tensor {
  if (!sum) return t;
  noGrad(() => sum.addScaledInPlace(t, 1));
  t.dispose();
  return sum;
}

/** The values of a running sum (`n` zeros when nothing was added), which is then disposed. */
export async function readSums(sum: Tensor | null, n: number): Promise<number[]> {
  if (!sum) return new Array<number>(n).fill(0);
  try {
    return Array.from(await sum.data());
  } finally {
    sum.dispose();
  }
}

/**
 * The values of two scalar running sums (0 for one never added to) in one
 * read; both are then disposed.
 */
export async function readPair(a: Tensor | null, b: Tensor | null): Promise<[number, number]> {
  if (!a || !b) return [a ? await readScalar(a) : 0, b ? await readScalar(b) : 0];
  try {
    using a1 = a.reshape([1]);
    using b1 = b.reshape([1]);
    using both = noGrad(() => concat([a1, b1], 0));
    const [x, y] = await both.data();
    return [x, y];
  } finally {
    a.dispose();
    b.dispose();
  }
}

/** The value of a running sum (0 when nothing was added), which is then disposed. */
export async function readScalar(sum: Tensor | null): Promise<number> {
  if (!sum) return 0;
  try {
    return await sum.item();
  } finally {
    sum.dispose();
  }
}

/** Per-chunk predicted classes read back in one piece (the chunks stay the caller's). */
export async function readClasses(chunks: readonly Tensor[]): Promise<Int32Array> {
  if (chunks.length === 0) return new Int32Array(0);
  using all = noGrad(() => concat(chunks, 0));
  return Int32Array.from(await all.data());
}
