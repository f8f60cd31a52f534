// Running sums of per-batch scalars kept on the device: a training loop adds
// each batch's loss and hit count as it comes and reads the totals once an
// epoch. Nothing outlives its step (an epoch of scalar tensors kept to the
// end made V8 promote them, and on a GPU every one read back is a round trip).

import { noGrad, type Tensor } from "@recognize/tensor";

/**
 * `sum + t` as a scalar, taking ownership of both (`t` alone when there is no
 * sum yet).
 */
export function addScalar(sum: Tensor | null, t: Tensor): Tensor {
  return noGrad(() => {
    if (!sum) {
      const first = t.reshape([]);
      t.dispose();
      return first;
    }
    const next = sum.add(t);
    sum.dispose();
    t.dispose();
    return next;
  });
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
