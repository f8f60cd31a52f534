/**
 * The Q6 experiments: the Q3 network on the Module API (fc), a CNN on
 * NIST36 (cnn), CIFAR-10 (cifar), the HW1 SUN scenes (sun), and Flowers-17
 * with a frozen SqueezeNet backbone and a CNN from scratch (flowers).
 *
 * @module
 */

import {
  augmentInPlace,
  type ImageDataset,
  loadCifar10,
  loadFlowers17,
  loadNist36,
  loadSun,
  locate,
  takePerClass,
} from "@recognize/datasets";
import { writeFileAtomic } from "@recognize/io";
import { ConvNet, type ConvNetConfig, FcNet, Mlp, type Module, SqueezeNet } from "@recognize/nn";
import { Adam, AdamW, SGD, StepLR } from "@recognize/optim";
import { type Backend, Generator, tensor } from "@recognize/tensor";
import { runExperiment } from "./experiment.ts";
import { IMAGENET, linearProbe, squeezenetFeatures } from "./features.ts";

/** Settings every subcommand takes. */
export interface RunOptions {
  root: string;
  out: string;
  device: Backend;
  seed: number;
  /** Override the epochs. */
  epochs?: number;
  /** Use only this many images a class (quick runs, tests). */
  perClass?: number;
  log: (line: string) => void;
}

const slice = (d: ImageDataset, o: RunOptions) => (o.perClass ? takePerClass(d, o.perClass) : d);

/** The schedule every CNN here uses: the learning rate ÷10 after 70 % of the epochs. */
const dropLate = (optimizer: ConstructorParameters<typeof StepLR>[0], epochs: number) =>
  new StepLR(optimizer, Math.max(1, Math.round(epochs * 0.7)), 0.1);

async function nist(o: RunOptions) {
  const [train, valid, test] = await Promise.all(
    (["train", "valid", "test"] as const).map((s) => loadNist36(s, { root: o.root })),
  );
  return { train: slice(train, o), valid: slice(valid, o), test: slice(test, o) };
}

/** Q6.1.1: the Q3 network with the Module API, against the hand-written one. */
export async function runFc(o: RunOptions): Promise<Record<string, unknown>> {
  const { train, valid, test } = await nist(o);
  const epochs = o.epochs ?? 50;
  const config = { sizes: [1024, 64, 36], activation: "sigmoid" as const };
  const module = new FcNet(config, { device: o.device, generator: new Generator(o.seed) });
  // the hand-written network sums the loss over a batch of 32 at lr 0.01; the mean loss needs 32×
  const metrics = await runExperiment({
    name: "fc",
    title: "Q6.1.1: 1024 → 64 (sigmoid) → 36 with the Module API",
    module,
    arch: { arch: "fcnet", config },
    train,
    valid,
    test,
    epochs,
    batchSize: 32,
    optimizer: new SGD(module.parameters(), { lr: 0.32 }),
    device: o.device,
    generator: new Generator(o.seed + 1),
    out: o.out,
  });
  // the hand-written network of Q3, same data, same settings, same device, for comparison
  const toT = (d: ImageDataset) => ({
    x: tensor(d.images, { shape: [d.labels.length, 1024], device: o.device }),
    labels: tensor(Float32Array.from(d.labels), { device: o.device }),
  });
  const g = new Generator(o.seed);
  const mlp = Mlp.create({
    sizes: [1024, 64, 36],
    classes: train.classes,
    generator: g,
    device: o.device,
  });
  const h = await mlp.fit(toT(train), toT(valid), {
    epochs,
    batchSize: 32,
    learningRate: 0.01,
    generator: g,
  });
  const t = toT(test);
  const handTest = await mlp.evaluate(t.x, t.labels);
  const handwritten = {
    testAccuracy: handTest.acc,
    finalValidAccuracy: h.at(-1)!.validAcc,
    secondsPerEpoch: h.reduce((s, e) => s + e.seconds, 0) / h.length,
  };
  o.log(
    `hand-written MLP: test ${(100 * handTest.acc).toFixed(1)}%, ${
      handwritten.secondsPerEpoch.toFixed(2)
    } s/epoch; ` +
      `Module API: test ${(100 * (metrics.testAccuracy as number)).toFixed(1)}%, ${
        (metrics.secondsPerEpoch as number).toFixed(2)
      } s/epoch`,
  );
  const all = { ...metrics, handwritten };
  await writeFileAtomic(
    `${o.out}/fc_metrics.json`,
    new TextEncoder().encode(JSON.stringify(all, null, 2) + "\n"),
  );
  return all;
}

/** The NIST36 CNN: three conv–BN–ReLU–pool blocks (32, 64, 128 channels). */
export const NIST_CNN: ConvNetConfig = {
  inChannels: 1,
  inputSize: 32,
  channels: [32, 64, 128],
  batchNorm: true,
  dropout: 0.3,
  classes: 36,
};

/** Q6.1.2: a CNN on NIST36. */
export async function runCnn(o: RunOptions): Promise<Record<string, unknown>> {
  const { train, valid, test } = await nist(o);
  const epochs = o.epochs ?? 15;
  const module = new ConvNet(NIST_CNN, { device: o.device, generator: new Generator(o.seed) });
  const optimizer = new Adam(module.parameters(), { lr: 1e-3 });
  return await runExperiment({
    name: "cnn",
    title: "Q6.1.2: CNN on NIST36 (3 × conv–BN–ReLU–pool, 32/64/128)",
    module,
    arch: { arch: "convnet", config: { ...NIST_CNN } },
    train,
    valid,
    test,
    epochs,
    batchSize: 64,
    optimizer,
    scheduler: dropLate(optimizer, epochs),
    // small shifts on white paper: the OCR's crops are never perfectly centred
    augment: (x, n, g) => augmentInPlace(x.subarray(0, n * 1024), [1, 32, 32], 2, g, false, 1),
    normalize: { mean: [0.5], std: [0.5] },
    device: o.device,
    generator: new Generator(o.seed + 1),
    out: o.out,
  });
}

/** Q6.1.3: a CNN on CIFAR-10. */
export async function runCifar(o: RunOptions): Promise<Record<string, unknown>> {
  const progress = (label: string) => (done: number, total: number) => {
    if (done === total) o.log(`decoded ${total} CIFAR-10 ${label} images`);
  };
  const train = await loadCifar10("train", {
    root: o.root,
    onProgress: progress("train"),
    perClass: o.perClass,
  });
  const test = await loadCifar10("test", {
    root: o.root,
    onProgress: progress("test"),
    perClass: o.perClass,
  });
  const epochs = o.epochs ?? 15;
  const config: ConvNetConfig = {
    inChannels: 3,
    inputSize: 32,
    channels: [32, 64, 128],
    batchNorm: true,
    dropout: 0.3,
    classes: 10,
  };
  const module = new ConvNet(config, { device: o.device, generator: new Generator(o.seed) });
  const optimizer = new Adam(module.parameters(), { lr: 1e-3 });
  return await runExperiment({
    name: "cifar",
    title: "Q6.1.3: CNN on CIFAR-10 (10,000 training images)",
    module,
    arch: { arch: "convnet", config: { ...config } },
    train,
    valid: test,
    test,
    epochs,
    batchSize: 64,
    optimizer,
    scheduler: dropLate(optimizer, epochs),
    augment: (x, n, g) => augmentInPlace(x.subarray(0, n * 3072), [3, 32, 32], 4, g, true),
    normalize: { mean: [0.491, 0.482, 0.447], std: [0.247, 0.243, 0.262] },
    device: o.device,
    generator: new Generator(o.seed + 1),
    out: o.out,
    notes: {
      split:
        "train: the 10,000 available training images; valid = test (CIFAR-10 has no validation split)",
    },
  });
}

/** The HW1 bag-of-words accuracy the SUN CNN is compared with, and its source. */
export const HW1_BOW = {
  accuracy: 270 / 400,
  source:
    "spatial-pyramid bag of words, HW1 on the same 400-image test split: confusion matrix in " +
    "ThomasCZhang/16720_ComputerVision HW1/code/confmat.csv (commit 949db5a), the repository the shared SUN subset comes from",
};

/** Q6.1.4: a CNN for the HW1 SUN scenes from scratch, and SqueezeNet features with a linear head. */
export async function runSun(o: RunOptions): Promise<Record<string, unknown>> {
  const size: [number, number] = [64, 64];
  const train = await loadSun("train", { root: o.root, size, perClass: o.perClass });
  const test = await loadSun("test", { root: o.root, size, perClass: o.perClass });
  const epochs = o.epochs ?? 30;
  const config: ConvNetConfig = {
    inChannels: 3,
    inputSize: 64,
    channels: [32, 64, 128, 256],
    batchNorm: true,
    dropout: 0.4,
    globalPool: true,
    classes: 8,
  };
  const module = new ConvNet(config, { device: o.device, generator: new Generator(o.seed) });
  const optimizer = new Adam(module.parameters(), { lr: 1e-3, weightDecay: 1e-4 });
  const metrics = await runExperiment({
    name: "sun",
    title: "Q6.1.4: CNN on the HW1 SUN scenes from scratch (64×64)",
    module,
    arch: { arch: "convnet", config: { ...config } },
    train,
    valid: test,
    test,
    epochs,
    batchSize: 32,
    optimizer,
    scheduler: dropLate(optimizer, epochs),
    augment: (x, n, g) => augmentInPlace(x.subarray(0, n * 3 * 64 * 64), [3, 64, 64], 6, g, true),
    normalize: IMAGENET,
    device: o.device,
    generator: new Generator(o.seed + 1),
    out: o.out,
    notes: { hw1BagOfWords: HW1_BOW, split: "valid = test (the HW1 split has no validation part)" },
  });
  // SqueezeNet features (ImageNet backbone) + a trained linear head, same split
  const probe = await squeezenetProbe(
    o,
    "sun",
    () => loadSun("train", { root: o.root, size: [224, 224], perClass: o.perClass }),
    () => loadSun("test", { root: o.root, size: [224, 224], perClass: o.perClass }),
  );
  const all = { ...metrics, squeezenetLinearHead: probe };
  await writeFileAtomic(
    `${o.out}/sun_metrics.json`,
    new TextEncoder().encode(JSON.stringify(all, null, 2) + "\n"),
  );
  o.log(
    `SUN: CNN ${
      (100 * (metrics.testAccuracy as number)).toFixed(1)
    }%, SqueezeNet features + linear head ${
      (100 * probe.testAccuracy).toFixed(1)
    }%, HW1 bag of words ${(100 * HW1_BOW.accuracy).toFixed(1)}%`,
  );
  return all;
}

async function backbone(o: RunOptions): Promise<SqueezeNet> {
  const dir = await locate("squeezenet", o.root);
  const net = new SqueezeNet(17, { device: o.device });
  // the backbone (features.*) is ImageNet's; the 17-class head in the file is not used
  await net.load(`${dir}/squeezenet1_1_flowers17.safetensors`);
  return net;
}

async function squeezenetProbe(
  o: RunOptions,
  name: string,
  loadTrain: () => Promise<ImageDataset>,
  loadTest: () => Promise<ImageDataset>,
) {
  const net = await backbone(o);
  const train = await loadTrain(), test = await loadTest();
  const fTrain = await squeezenetFeatures(net, train, {
    device: o.device,
    log: o.log,
    label: `${name} train`,
    mirror: true,
  });
  const fTest = await squeezenetFeatures(net, test, {
    device: o.device,
    log: o.log,
    label: `${name} test`,
    mirror: true,
  });
  return await linearProbe(fTrain, fTest, train.classes.length, {
    device: o.device,
    seed: o.seed,
  });
}

/** Q6.2.1: Flowers-17 with a new head on the frozen SqueezeNet 1.1 backbone, and a CNN from scratch. */
export async function runFlowers(o: RunOptions): Promise<Record<string, unknown>> {
  // 1. fine-tuning: the frozen backbone's features are computed once, then only the head trains
  const [trainF, valF, testF] = await Promise.all(
    (["train", "val", "test"] as const).map((s) =>
      loadFlowers17(s, { root: o.root, size: [224, 224], perClass: o.perClass })
    ),
  );
  const net = await backbone(o);
  const feats = [];
  for (const [label, d] of [["train", trainF], ["val", valF], ["test", testF]] as const) {
    feats.push(
      await squeezenetFeatures(net, d, {
        device: o.device,
        log: o.log,
        label: `flowers ${label}`,
        mirror: true,
      }),
    );
  }
  const head = await linearProbe(feats[0], feats[2], 17, {
    device: o.device,
    seed: o.seed,
    valid: feats[1],
    epochs: o.epochs ? o.epochs * 4 : 200,
  });
  o.log(`flowers: SqueezeNet backbone + new head: test ${(100 * head.testAccuracy).toFixed(1)}%`);

  // 2. a small CNN of our own, from scratch (96×96 keeps a CPU epoch near ten seconds)
  const size: [number, number] = [96, 96];
  const [train, valid, test] = await Promise.all(
    (["train", "val", "test"] as const).map((s) =>
      loadFlowers17(s, { root: o.root, size, perClass: o.perClass })
    ),
  );
  const config: ConvNetConfig = {
    inChannels: 3,
    inputSize: 96,
    channels: [16, 32, 64, 128, 256],
    batchNorm: true,
    dropout: 0.5,
    globalPool: true,
    classes: 17,
  };
  const module: Module = new ConvNet(config, {
    device: o.device,
    generator: new Generator(o.seed),
  });
  const epochs = o.epochs ?? 60;
  const optimizer = new AdamW(module.parameters(), { lr: 2e-3, weightDecay: 5e-4 });
  const scratch = await runExperiment({
    name: "flowers_scratch",
    title: "Q6.2.1: a CNN from scratch on Flowers-17 (96×96)",
    module,
    arch: { arch: "convnet", config: { ...config } },
    train,
    valid,
    test,
    epochs,
    batchSize: 32,
    optimizer,
    scheduler: dropLate(optimizer, epochs),
    augment: (x, n, g) =>
      augmentInPlace(x.subarray(0, n * 3 * size[0] * size[1]), [3, ...size], 10, g, true),
    normalize: IMAGENET,
    device: o.device,
    generator: new Generator(o.seed + 1),
    out: o.out,
  });
  const all = { fineTunedHead: head, fromScratch: scratch };
  await writeFileAtomic(
    `${o.out}/flowers_metrics.json`,
    new TextEncoder().encode(JSON.stringify(all, null, 2) + "\n"),
  );
  o.log(
    `flowers: fine-tuned head ${(100 * head.testAccuracy).toFixed(1)}%, from scratch ${
      (100 * (scratch.testAccuracy as number)).toFixed(1)
    }%`,
  );
  return all;
}
