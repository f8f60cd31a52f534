/**
 * Transfer learning with a frozen backbone: compute SqueezeNet 1.1's
 * features of every image once (global-average-pooled to 512 numbers, for the
 * image and its mirror image), then train only a linear head on them, so no
 * epoch recomputes the backbone.
 *
 * @module
 */

import { ProgressBar } from "@recognize/cli";
import { hflipInPlace, type ImageDataset, imageSize, normalizeInPlace } from "@recognize/datasets";
import { Linear, type SqueezeNet } from "@recognize/nn";
import { AdamW } from "@recognize/optim";
import {
  type Backend,
  crossEntropy,
  Generator,
  indexSelect,
  noGrad,
  tensor,
} from "@recognize/tensor";

/** ImageNet's channel statistics (the SqueezeNet weights expect them). */
export const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/** Features of a dataset: one `[N, 512]` array per view of every image, and the labels. */
export interface FeatureSet {
  /** The original images' features, then (with `mirror`) the mirrored images'. */
  views: Float32Array[];
  /** Labels. */
  labels: Int32Array;
}

/**
 * The frozen backbone's pooled features of every image.
 *
 * @param net SqueezeNet with ImageNet weights.
 * @param data `3×224×224` images in [0, 1].
 * @param o Device, a label for the progress bar, and whether to add a mirrored view.
 * @returns `[N, 512]` features per view.
 */
export async function squeezenetFeatures(
  net: SqueezeNet,
  data: ImageDataset,
  o: { device: Backend; label: string; mirror?: boolean; log?: (l: string) => void },
): Promise<FeatureSet> {
  net.eval();
  const n = data.labels.length, size = imageSize(data), bs = 16;
  const shape = data.shape.slice(1) as [number, number, number];
  const views = (o.mirror ? [false, true] : [false]).map(() => new Float32Array(n * 512));
  const bar = new ProgressBar(Math.ceil(n / bs) * views.length, {
    label: `SqueezeNet features (${o.label})`,
  });
  const start = performance.now();
  for (const [v, out] of views.entries()) {
    for (let s = 0; s < n; s += bs) {
      const count = Math.min(bs, n - s);
      const x = data.images.slice(s * size, (s + count) * size);
      if (v === 1) {
        for (let i = 0; i < count; i++) hflipInPlace(x.subarray(i * size, (i + 1) * size), shape);
      }
      normalizeInPlace(x, 3, data.shape[2] * data.shape[3], IMAGENET.mean, IMAGENET.std);
      using xt = tensor(x, { shape: [count, ...shape], device: o.device });
      using pooled = noGrad(() => {
        using f = net.features.forward(xt);
        return f.mean([2, 3]);
      });
      out.set(await pooled.data(), s * 512);
      bar.tick();
    }
  }
  bar.done();
  o.log?.(
    `${o.label}: ${n} images × ${views.length} views in ${
      ((performance.now() - start) / 1000).toFixed(1)
    } s`,
  );
  return { views, labels: data.labels };
}

/** What {@link linearProbe} measured. */
export interface ProbeResult {
  testAccuracy: number;
  validAccuracy?: number;
  trainAccuracy: number;
  /** The weight decay used (chosen on the validation set when there is one). */
  weightDecay: number;
  /** Validation accuracy of every weight decay tried. */
  tried?: { weightDecay: number; validAccuracy: number }[];
  epochs: number;
  seconds: number;
}

/**
 * Train a linear classifier on fixed features (standardised with the training
 * statistics). Every view of a training image is a training sample; a
 * prediction averages the class probabilities over an image's views. With a
 * validation set, the weight decay is chosen on it from `weightDecays`.
 *
 * @param train Training features.
 * @param test Test features.
 * @param classes Number of classes.
 * @param o Device, seed, epochs, an optional validation set, weight decays to try.
 * @returns Accuracies, the chosen weight decay, epochs and time.
 */
export async function linearProbe(
  train: FeatureSet,
  test: FeatureSet,
  classes: number,
  o: {
    device: Backend;
    seed: number;
    epochs?: number;
    valid?: FeatureSet;
    weightDecays?: number[];
  },
): Promise<ProbeResult> {
  const d = 512, n = train.labels.length * train.views.length;
  const all = new Float32Array(n * d);
  train.views.forEach((v, i) => all.set(v, i * v.length));
  const mean = new Float32Array(d), std = new Float32Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += all[i * d + j] / n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) std[j] += (all[i * d + j] - mean[j]) ** 2 / n;
  }
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]) + 1e-6;
  const standardize = (f: Float32Array) => {
    const out = f.slice();
    for (let i = 0; i < out.length; i++) out[i] = (out[i] - mean[i % d]) / std[i % d];
    return tensor(out, { shape: [out.length / d, d], device: o.device });
  };
  using xTrain = standardize(all);
  using yTrain = tensor(
    Float32Array.from({ length: n }, (_, i) => train.labels[i % train.labels.length]),
    { device: o.device },
  );
  const epochs = o.epochs ?? 200;
  const fit = (weightDecay: number) => {
    const head = new Linear(d, classes, { device: o.device, generator: new Generator(o.seed) });
    const opt = new AdamW(head.parameters(), { lr: 1e-3, weightDecay });
    const g = new Generator(o.seed + 1);
    for (let e = 0; e < epochs; e++) {
      const order = g.permutation(n);
      for (let s = 0; s < n; s += 64) {
        using idx = tensor(Float32Array.from(order.subarray(s, s + 64)), { device: o.device });
        using xb = noGrad(() => indexSelect(xTrain, 0, idx));
        using yb = noGrad(() => indexSelect(yTrain, 0, idx));
        {
          using logits = head.forward(xb);
          using loss = crossEntropy(logits, yb);
          loss.backward();
        }
        opt.step();
        opt.zeroGrad();
      }
    }
    return head;
  };
  const accuracy = async (head: Linear, set: FeatureSet) => {
    const m = set.labels.length, probs = new Float32Array(m * classes);
    for (const view of set.views) {
      using x = standardize(view);
      using p = noGrad(() => {
        using logits = head.forward(x);
        return logits.softmax(-1);
      });
      const values = await p.data();
      for (let i = 0; i < probs.length; i++) probs[i] += values[i];
    }
    let hits = 0;
    for (let i = 0; i < m; i++) {
      let best = 0;
      for (let c = 1; c < classes; c++) {
        if (probs[i * classes + c] > probs[i * classes + best]) best = c;
      }
      if (best === set.labels[i]) hits++;
    }
    return hits / m;
  };
  const start = performance.now();
  const decays = o.valid ? (o.weightDecays ?? [1e-3, 1e-2, 1e-1]) : [1e-2];
  let chosen = { weightDecay: decays[0], head: null as Linear | null, validAccuracy: -1 };
  const tried: { weightDecay: number; validAccuracy: number }[] = [];
  for (const weightDecay of decays) {
    const head = fit(weightDecay);
    const validAccuracy = o.valid ? await accuracy(head, o.valid) : 0;
    tried.push({ weightDecay, validAccuracy });
    if (validAccuracy > chosen.validAccuracy) chosen = { weightDecay, head, validAccuracy };
  }
  const head = chosen.head!;
  return {
    testAccuracy: await accuracy(head, test),
    ...(o.valid ? { validAccuracy: chosen.validAccuracy, tried } : {}),
    trainAccuracy: await accuracy(head, train),
    weightDecay: chosen.weightDecay,
    epochs,
    seconds: (performance.now() - start) / 1000,
  };
}
