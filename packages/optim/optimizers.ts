/**
 * Optimizers for Module parameters (tensors with `.grad`), with PyTorch's
 * update rules: SGD with momentum and weight decay, Adam, and AdamW
 * (decoupled weight decay); a step learning-rate schedule; and gradient
 * clipping by global norm. Updates run without recording gradients and
 * replace each parameter's storage in place (`assign`), so modules keep
 * their references.
 *
 * @module
 */

import { noGrad, type Tensor, zeros } from "@recognize/tensor";

/** An optimizer: a learning rate and a step over parameters with gradients. */
export abstract class Optimizer {
  /** The current learning rate (schedules change it). */
  lr: number;
  /** The parameters updated. */
  readonly params: readonly Tensor[];

  constructor(params: readonly Tensor[], lr: number) {
    if (!(lr > 0)) throw new RangeError(`The learning rate must be positive, got ${lr}`);
    this.params = params;
    this.lr = lr;
  }

  /** Apply one update from the current gradients (parameters without a gradient are skipped). */
  abstract step(): void;

  /** Drop every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }
}

function state(map: Map<Tensor, Tensor>, p: Tensor): Tensor {
  let s = map.get(p);
  if (!s) map.set(p, s = zeros(p.shape, { device: p.backend, dtype: p.dtype }));
  return s;
}

/** Options of {@link SGD}. */
export interface SgdOptions {
  /** Learning rate. */
  lr: number;
  /** Momentum μ (default 0): `v ← μv + g`, `p ← p − lr·v`. */
  momentum?: number;
  /** L2 weight decay λ (default 0): `g ← g + λp`. */
  weightDecay?: number;
}

/** Stochastic gradient descent (PyTorch's `torch.optim.SGD`). */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly weightDecay: number;
  readonly #velocity = new Map<Tensor, Tensor>();

  constructor(params: readonly Tensor[], o: SgdOptions) {
    super(params, o.lr);
    this.momentum = o.momentum ?? 0;
    this.weightDecay = o.weightDecay ?? 0;
  }

  step(): void {
    noGrad(() => {
      for (const p of this.params) {
        if (!p.grad) continue;
        let g = p.grad.share();
        if (this.weightDecay) {
          const next = g.addScaled(p, this.weightDecay);
          g.dispose();
          g = next;
        }
        if (this.momentum) {
          // v ← μ·v + g in place (one pass; the velocity keeps its storage)
          const v = state(this.#velocity, p);
          v.scaleAddInPlace(this.momentum, g, 1);
          g.dispose();
          g = v.share();
        }
        // in place, as PyTorch's add_: the weights keep their storage, so a
        // GPU's kept bind groups for them fit every step
        p.addScaledInPlace(g, -this.lr);
        g.dispose();
      }
    });
  }
}

/** Options of {@link Adam} and {@link AdamW}. */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** β₁, β₂ (default 0.9, 0.999). */
  betas?: [number, number];
  /** ε (default 1e-8). */
  eps?: number;
  /** Weight decay: L2 added to the gradient for Adam, decoupled for AdamW (default 0, and 0.01 for AdamW). */
  weightDecay?: number;
}

/** Adam (Kingma and Ba), with PyTorch's bias correction. */
export class Adam extends Optimizer {
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  readonly #decoupled: boolean;
  readonly #m = new Map<Tensor, Tensor>();
  readonly #v = new Map<Tensor, Tensor>();
  #t = 0;

  constructor(params: readonly Tensor[], o: AdamOptions = {}, decoupled = false) {
    super(params, o.lr ?? 1e-3);
    this.betas = o.betas ?? [0.9, 0.999];
    this.eps = o.eps ?? 1e-8;
    this.weightDecay = o.weightDecay ?? (decoupled ? 0.01 : 0);
    this.#decoupled = decoupled;
  }

  step(): void {
    this.#t++;
    const [b1, b2] = this.betas;
    const c1 = 1 - b1 ** this.#t, c2 = 1 - b2 ** this.#t;
    noGrad(() => {
      for (const p of this.params) {
        if (!p.grad) continue;
        if (this.#decoupled && this.weightDecay) {
          // AdamW: p ← p·(1 − lr·λ), apart from the adaptive step
          using shrunk = p.mul(1 - this.lr * this.weightDecay);
          p.assign(shrunk);
        }
        let g = p.grad.share();
        if (!this.#decoupled && this.weightDecay) {
          const next = g.addScaled(p, this.weightDecay);
          g.dispose();
          g = next;
        }
        const m = state(this.#m, p), v = state(this.#v, p);
        // m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − lr · m̂ / (√v̂ + ε) with
        // m̂ = m/c1, v̂ = v/c2: one pass, everything in place (the same bits as
        // those ten ops, and on a GPU the same buffers, so the same bind groups, every step)
        p.adamStepInPlace(g, m, v, {
          beta1: b1,
          beta2: b2,
          vScale: 1 / c2,
          eps: this.eps,
          step: -this.lr / c1,
        });
        g.dispose();
      }
    });
  }
}

/** AdamW: Adam with decoupled weight decay (Loshchilov and Hutter). */
export class AdamW extends Adam {
  constructor(params: readonly Tensor[], o: AdamOptions = {}) {
    super(params, o, true);
  }
}

/** Multiply an optimizer's learning rate by `gamma` every `stepSize` epochs (`torch.optim.lr_scheduler.StepLR`). */
export class StepLR {
  readonly #optimizer: Optimizer;
  readonly #base: number;
  #epoch = 0;

  constructor(optimizer: Optimizer, readonly stepSize: number, readonly gamma = 0.1) {
    if (!Number.isInteger(stepSize) || stepSize <= 0) {
      throw new RangeError(`stepSize must be a positive integer, got ${stepSize}`);
    }
    this.#optimizer = optimizer;
    this.#base = optimizer.lr;
  }

  /** Call once at the end of every epoch. */
  step(): void {
    this.#epoch++;
    this.#optimizer.lr = this.#base * this.gamma ** Math.floor(this.#epoch / this.stepSize);
  }
}

/**
 * Scale gradients so their global L2 norm is at most `maxNorm`.
 *
 * @param params Parameters (those without gradients are ignored).
 * @param maxNorm The bound.
 * @returns The norm before clipping.
 */
export async function clipGradNorm(params: readonly Tensor[], maxNorm: number): Promise<number> {
  const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
  if (grads.length === 0) return 0;
  let total = 0;
  for (const g of grads) {
    using sq = noGrad(() => {
      using g2 = g.mul(g);
      return g2.sum();
    });
    total += await sq.item();
  }
  const norm = Math.sqrt(total);
  if (norm > maxNorm) {
    const scale = maxNorm / (norm + 1e-6);
    noGrad(() => {
      for (const p of params) {
        if (!p.grad) continue;
        using scaled = p.grad.mul(scale);
        p.grad.assign(scaled);
      }
    });
  }
  return norm;
}
