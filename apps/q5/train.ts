/**
 * Q5: train the autoencoder on NIST36 with the handout's defaults, and
 * write the loss curve, reconstructions and PSNR.
 *
 * @module
 */

import { ProgressBar } from "@recognize/cli";
import { type ImageDataset, loadNist36, takePerClass } from "@recognize/datasets";
import { Autoencoder } from "@recognize/autoencoder";
import { writeFileAtomic } from "@recognize/io";
import { batchPsnr } from "@recognize/metrics";
import { imageFigure, imageGrid, lineChart, saveFigure } from "@recognize/plot";
import { type Backend, type DType, Generator, tensor } from "@recognize/tensor";

/** Settings of a Q5 run. */
export interface Q5Options {
  root: string;
  out: string;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Multiply the learning rate by `decay` every `decayEvery` epochs. */
  decay: number;
  decayEvery: number;
  hidden: number;
  momentum: number;
  seed: number;
  device: Backend;
  /** Element type of the weights and data (float64 only on the CPU). */
  dtype?: DType;
  /** Classes shown in the reconstruction figure. */
  showClasses: string[];
  perClass?: number;
}

/**
 * Mean PSNR of an autoencoder's reconstructions of a dataset, per image.
 *
 * @param ae The network.
 * @param d The images.
 * @param device Where to run.
 * @returns Mean PSNR in dB and the reconstructions.
 */
export async function evaluatePsnr(
  ae: Autoencoder,
  d: ImageDataset,
  device: Backend,
): Promise<{ mean: number; reconstructions: Float32Array }> {
  const n = d.labels.length, out = new Float32Array(n * 1024);
  for (let s = 0; s < n; s += 2048) {
    const e = Math.min(n, s + 2048);
    const dtype = ae.params.get("Wlayer1").dtype;
    using x = tensor(d.images.subarray(s * 1024, e * 1024), {
      shape: [e - s, 1024],
      device,
      dtype,
    });
    using y = ae.reconstruct(x);
    out.set(await y.data(), s * 1024);
  }
  return { mean: batchPsnr(d.images, out, 1024).mean, reconstructions: out };
}

/**
 * Train and report.
 *
 * @param o Settings.
 * @returns What metrics.json holds.
 */
export async function runQ5(o: Q5Options): Promise<Record<string, unknown>> {
  const started = performance.now();
  let train = await loadNist36("train", { root: o.root });
  let valid = await loadNist36("valid", { root: o.root });
  if (o.perClass) {
    [train, valid] = [takePerClass(train, o.perClass), takePerClass(valid, o.perClass)];
  }
  const g = new Generator(o.seed);
  const ae = Autoencoder.create({
    hidden: o.hidden,
    generator: g,
    device: o.device,
    dtype: o.dtype,
  });
  using x = tensor(train.images, {
    shape: [train.labels.length, 1024],
    device: o.device,
    dtype: o.dtype,
  });
  const losses: number[] = [], epochSeconds: number[] = [];
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const lr = o.learningRate * o.decay ** Math.floor((epoch - 1) / o.decayEvery);
    const bar = new ProgressBar(Math.ceil(train.labels.length / o.batchSize), {
      label: `epoch ${epoch}/${o.epochs}`,
    });
    const t0 = performance.now();
    const total = await ae.trainEpoch(x, {
      batchSize: o.batchSize,
      learningRate: lr,
      momentum: o.momentum,
      generator: g,
      onBatch: () => bar.tick(),
    });
    epochSeconds.push((performance.now() - t0) / 1000);
    losses.push(total / train.labels.length);
    bar.done({ "loss/image": total / train.labels.length, lr });
  }
  await Deno.mkdir(o.out, { recursive: true });
  await saveFigure(
    `${o.out}/loss`,
    lineChart({
      title:
        `Autoencoder training loss (squared error per image; lr ${o.learningRate}, ×${o.decay} every ${o.decayEvery} epochs)`,
      yTitle: "Σ (x̂ − x)² per image",
      series: [{ name: "train", y: losses }],
      width: 520,
    }),
  );

  const { mean, reconstructions } = await evaluatePsnr(ae, valid, o.device);
  const trainPsnr = (await evaluatePsnr(ae, train, o.device)).mean;
  // two validation images of each chosen class, each beside its reconstruction
  const panel = new Float32Array(o.showClasses.length * 4 * 1024);
  o.showClasses.forEach((name, row) => {
    const label = valid.classes.indexOf(name);
    if (label < 0) throw new Error(`no class "${name}" (classes: ${valid.classes.join("")})`);
    const picks = [...valid.labels.keys()].filter((i) => valid.labels[i] === label).slice(0, 2);
    picks.forEach((i, k) => {
      panel.set(valid.images.subarray(i * 1024, (i + 1) * 1024), (row * 4 + 2 * k) * 1024);
      panel.set(reconstructions.subarray(i * 1024, (i + 1) * 1024), (row * 4 + 2 * k + 1) * 1024);
    });
  });
  await saveFigure(
    `${o.out}/reconstructions`,
    imageFigure(
      `Validation images and their reconstructions (mean validation PSNR ${mean.toFixed(2)} dB)`,
      [{
        heading: `classes ${o.showClasses.join(", ")} (one per row)`,
        image: imageGrid(panel, {
          count: panel.length / 1024,
          height: 32,
          width: 32,
          cols: 4,
          pad: 3,
        }),
        scale: 4,
        columnCaptions: ["original", "reconstruction", "original", "reconstruction"],
      }],
    ),
    { scale: 1 },
  );
  await ae.save(`${o.out}/model.safetensors`, {
    dataset: train.source,
    epochs: String(o.epochs),
    valid_psnr: mean.toFixed(3),
  });
  const metrics = {
    settings: {
      layers: [1024, o.hidden, o.hidden, o.hidden, 1024],
      activations: ["relu", "relu", "relu", "sigmoid"],
      loss: "total squared error",
      epochs: o.epochs,
      batchSize: o.batchSize,
      learningRate: o.learningRate,
      decay: `×${o.decay} every ${o.decayEvery} epochs`,
      momentum: o.momentum,
      seed: o.seed,
      device: o.device.name,
      dtype: o.dtype ?? "float32",
      data: train.source,
    },
    validPsnr: mean,
    trainPsnr,
    finalLossPerImage: losses.at(-1),
    lossPerImage: losses,
    secondsPerEpoch: epochSeconds.reduce((s, v) => s + v, 0) / epochSeconds.length,
    wallSeconds: (performance.now() - started) / 1000,
  };
  await writeFileAtomic(
    `${o.out}/metrics.json`,
    new TextEncoder().encode(JSON.stringify(metrics, null, 2) + "\n"),
  );
  ae.params.dispose();
  return metrics;
}
