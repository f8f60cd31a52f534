/**
 * Batch normalisation with batch statistics, as one fused primitive: the
 * statistics, the normalisation and the gradient are a few passes over the
 * data, where the composition of means, differences and quotients is a dozen.
 * {@link batchNormComposed} is that composition, the reference it is tested
 * against.
 *
 * @module
 */

import { record } from "./autograd.ts";
import { formatShape, sizeOf } from "./shape.ts";
import { Tensor } from "./tensor.ts";
import { checkCompatible } from "./_operand.ts";

function geometry(x: Tensor, weight: Tensor): { n: number; c: number; inner: number } {
  if (x.rank < 2) throw new TypeError(`batchNorm needs [N, C, …], got ${formatShape(x.shape)}`);
  const [n, c] = x.shape;
  if (weight.rank !== 1 || weight.shape[0] !== c) {
    throw new TypeError(
      `batchNorm of ${formatShape(x.shape)} needs weight and bias of shape (${c})`,
    );
  }
  return { n, c, inner: sizeOf(x.shape.slice(2)) };
}

/**
 * Normalise each channel of `x` (`[N, C, …]`) by its batch mean and biased
 * variance, then scale and shift.
 *
 * @param x The input.
 * @param weight Per-channel scale γ.
 * @param bias Per-channel shift β.
 * @param eps Added to the variance.
 * @returns The output, and the batch mean and biased variance of each channel (outside the graph).
 */
export function batchNorm(
  x: Tensor,
  weight: Tensor,
  bias: Tensor,
  eps = 1e-5,
): { y: Tensor; mean: Tensor; variance: Tensor } {
  checkCompatible("batchNorm", [x, weight, bias]);
  const { n, c, inner } = geometry(x, weight);
  const r = x.backend.batchNorm(x.buffer, weight.buffer, bias.buffer, n, c, inner, eps, x.dtype);
  const mean = new Tensor(r.mean, [c], x.dtype, x.backend);
  const invstd = new Tensor(r.invstd, [c], x.dtype, x.backend);
  const y = record(
    new Tensor(r.y, x.shape, x.dtype, x.backend),
    [x, weight, bias],
    "batchNorm",
    (save) => {
      const sx = save(x), sm = save(mean), si = save(invstd), sw = save(weight);
      return (g) => {
        const b = g.backend.batchNormBackward(
          g.buffer,
          sx.buffer,
          sm.buffer,
          si.buffer,
          sw.buffer,
          n,
          c,
          inner,
          g.dtype,
        );
        return [
          new Tensor(b.dx, x.shape, g.dtype, g.backend),
          new Tensor(b.dweight, [c], g.dtype, g.backend),
          new Tensor(b.dbias, [c], g.dtype, g.backend),
        ];
      };
    },
  );
  // variance = 1/invstd² − eps
  using is2 = invstd.mul(invstd);
  using inv = is2.pow(-1);
  const variance = inv.sub(eps);
  invstd.dispose();
  return { y, mean, variance };
}

/** The same normalisation composed from primitives (the reference for tests). */
export function batchNormComposed(x: Tensor, weight: Tensor, bias: Tensor, eps = 1e-5): Tensor {
  const { c } = geometry(x, weight);
  const axes = [0, ...x.shape.slice(2).map((_, i) => i + 2)];
  const view = x.shape.map((_, i) => (i === 1 ? c : 1));
  using mean = x.mean(axes, true);
  using centred = x.sub(mean);
  using sq = centred.mul(centred);
  using variance = sq.mean(axes, true);
  using shifted = variance.add(eps);
  using std = shifted.sqrt();
  using normed = centred.div(std);
  using w = weight.reshape(view);
  using b = bias.reshape(view);
  using scaled = normed.mul(w);
  return scaled.add(b);
}
