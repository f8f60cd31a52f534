/**
 * Transfer learning with a frozen backbone: compute SqueezeNet 1.1's
 * features of every image once (global-average-pooled to 512 numbers), then
 * train only a linear head on them, so no epoch recomputes the backbone.
 *
 * @module
 */

import { ProgressBar } from "@recognize/cli";
import { type ImageDataset, imageSize, normalizeInPlace } from "@recognize/datasets";
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

/**
 * The frozen backbone's pooled features of every image.
 *
 * @param net SqueezeNet with ImageNet weights.
 * @param data `3×224×224` images in [0, 1].
 * @param o Device, a label for the progress bar.
 * @returns `[N, 512]` features.
 */
export async function squeezenetFeatures(
  net: SqueezeNet,
  data: ImageDataset,
  o: { device: Backend; label: string; log?: (l: string) => void },
): Promise<Float32Array> {
  net.eval();
  const n = data.labels.length, size = imageSize(data), bs = 16;
  const out = new Float32Array(n * 512);
  const bar = new ProgressBar(Math.ceil(n / bs), { label: `SqueezeNet features (${o.label})` });
  const start = performance.now();
  for (let s = 0; s < n; s += bs) {
    const count = Math.min(bs, n - s);
    const x = data.images.slice(s * size, (s + count) * size);
    normalizeInPlace(x, 3, data.shape[2] * data.shape[3], IMAGENET.mean, IMAGENET.std);
    using xt = tensor(x, { shape: [count, ...data.shape.slice(1)], device: o.device });
    using pooled = noGrad(() => {
      using f = net.features.forward(xt);
      return f.mean([2, 3]);
    });
    out.set(await pooled.data(), s * 512);
    bar.tick();
  }
  bar.done();
  o.log?.(`${o.label}: ${n} images in ${((performance.now() - start) / 1000).toFixed(1)} s`);
  return out;
}

/**
 * Train a linear classifier on fixed features (standardised with the training statistics).
 *
 * @param train `[N, D]` features.
 * @param trainLabels Their labels.
 * @param test Test features.
 * @param testLabels Test labels.
 * @param classes Number of classes.
 * @param o Device, seed, epochs, an optional validation set.
 * @returns Accuracies, epochs and time.
 */
export async function linearProbe(
  train: Float32Array,
  trainLabels: Int32Array,
  test: Float32Array,
  testLabels: Int32Array,
  classes: number,
  o: {
    device: Backend;
    seed: number;
    epochs?: number;
    valid?: { features: Float32Array; labels: Int32Array };
  },
): Promise<
  {
    testAccuracy: number;
    validAccuracy?: number;
    trainAccuracy: number;
    epochs: number;
    seconds: number;
  }
> {
  const d = 512, n = trainLabels.length;
  const mean = new Float32Array(d), std = new Float32Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += train[i * d + j] / n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) std[j] += (train[i * d + j] - mean[j]) ** 2 / n;
  }
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]) + 1e-6;
  const standardize = (f: Float32Array) => {
    const out = f.slice();
    for (let i = 0; i < out.length; i++) out[i] = (out[i] - mean[i % d]) / std[i % d];
    return tensor(out, { shape: [out.length / d, d], device: o.device });
  };
  using xTrain = standardize(train), xTest = standardize(test);
  using yTrain = tensor(Float32Array.from(trainLabels), { device: o.device });
  const head = new Linear(d, classes, { device: o.device, generator: new Generator(o.seed) });
  const opt = new AdamW(head.parameters(), { lr: 1e-3, weightDecay: 1e-2 });
  const epochs = o.epochs ?? 200;
  const g = new Generator(o.seed + 1);
  const start = performance.now();
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
  const seconds = (performance.now() - start) / 1000;
  const accuracy = async (x: typeof xTest, labels: Int32Array) => {
    using logits = noGrad(() => head.forward(x));
    using am = logits.argmax(1);
    const p = await am.data();
    let hits = 0;
    for (let i = 0; i < labels.length; i++) if (p[i] === labels[i]) hits++;
    return hits / labels.length;
  };
  let validAccuracy: number | undefined;
  if (o.valid) {
    using xv = standardize(o.valid.features);
    validAccuracy = await accuracy(xv, o.valid.labels);
  }
  return {
    testAccuracy: await accuracy(xTest, testLabels),
    validAccuracy,
    trainAccuracy: await accuracy(xTrain, trainLabels),
    epochs,
    seconds,
  };
}
