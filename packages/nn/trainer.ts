/**
 * Training and evaluating Module classifiers on in-memory image datasets:
 * shuffled batches (reshuffled every epoch), optional augmentation and
 * normalisation on the host, cross-entropy, any optimizer and schedule.
 * The loss and hit counts of a step stay on the device until the epoch ends.
 *
 * @module
 */

import { BatchIterator, type ImageDataset, imageSize, normalizeInPlace } from "@recognize/datasets";
import {
  type Backend,
  countHits,
  crossEntropy,
  defaultGenerator,
  type Generator,
  noGrad,
  type Tensor,
  tensor,
} from "@recognize/tensor";
import type { Module } from "./module.ts";
import { accumulate, readClasses, readPair, readScalar } from "./_device_results.ts";

/** Per-channel normalisation applied to every batch. */
export interface Normalization {
  /** Channel means. */
  mean: readonly number[];
  /** Channel standard deviations. */
  std: readonly number[];
}

/** Figures of one epoch. */
export interface EpochRecord {
  /** 1-based epoch. */
  epoch: number;
  /** Mean cross-entropy over the epoch's training batches. */
  trainLoss: number;
  /** Training accuracy over the epoch's batches (while learning, in train mode). */
  trainAcc: number;
  /** Validation loss (when a validation set is given). */
  validLoss?: number;
  /** Validation accuracy. */
  validAcc?: number;
  /** Learning rate used. */
  lr: number;
  /** Seconds spent training (evaluation excluded). */
  seconds: number;
}

/** What the trainer needs of an optimizer (`@recognize/optim`'s classes fit). */
export interface StepOptimizer {
  /** The current learning rate. */
  lr: number;
  /** Apply one update from the gradients. */
  step(): void;
  /** Drop the gradients. */
  zeroGrad(): void;
}

/** Options of {@link trainClassifier}. */
export interface TrainOptions {
  /** Epochs. */
  epochs: number;
  /** Samples per batch. */
  batchSize: number;
  /** The optimizer (over the module's parameters). */
  optimizer: StepOptimizer;
  /** Stepped after every epoch. */
  scheduler?: { step(): void };
  /** Where the batches go. */
  device: Backend;
  /** Random source for shuffling and augmentation. */
  generator?: Generator;
  /** Changes a batch in place before normalisation (random crops, flips). */
  augment?: (images: Float32Array, count: number, generator: Generator) => void;
  /** Normalisation of every batch. */
  normalize?: Normalization;
  /** Called after every batch. */
  onBatch?: (epoch: number, batch: number, batches: number) => void;
  /** Called after every epoch. */
  onEpoch?: (r: EpochRecord) => void | Promise<void>;
}

function upload(
  d: ImageDataset,
  x: Float32Array,
  count: number,
  device: Backend,
  norm?: Normalization,
): Tensor {
  if (norm) normalizeInPlace(x, d.shape[1], d.shape[2] * d.shape[3], norm.mean, norm.std);
  return tensor(x, { shape: [count, d.shape[1], d.shape[2], d.shape[3]], device });
}

/**
 * Loss, accuracy and predictions of a classifier over a dataset (eval mode, no gradients).
 *
 * @param module The network.
 * @param data The images.
 * @param o Device, batch size, normalisation.
 * @returns Mean loss, accuracy, and the predicted class of every image.
 */
export async function evaluateClassifier(
  module: Module,
  data: ImageDataset,
  o: { device: Backend; batchSize?: number; normalize?: Normalization },
): Promise<{ loss: number; acc: number; predicted: Int32Array }> {
  const was = module.training;
  module.eval();
  const n = data.labels.length, bs = o.batchSize ?? 256;
  // the loss summed and the predictions kept on the device: two reads in all
  let lossSum: Tensor | null = null;
  const classes: Tensor[] = [];
  try {
    for (let s = 0; s < n; s += bs) {
      const count = Math.min(bs, n - s);
      const size = imageSize(data);
      const x = data.images.slice(s * size, (s + count) * size);
      using xt = upload(data, x, count, o.device, o.normalize);
      using y = tensor(Float32Array.from(data.labels.subarray(s, s + count)), { device: o.device });
      const [l, p] = noGrad(() => {
        using logits = module.forward(xt);
        return [crossEntropy(logits, y, { reduction: "sum" }), logits.argmax(1)];
      });
      lossSum = accumulate(lossSum, l);
      classes.push(p);
    }
    const loss = await readScalar(lossSum);
    const predicted = await readClasses(classes);
    let correct = 0;
    for (let i = 0; i < n; i++) if (predicted[i] === data.labels[i]) correct++;
    return { loss: loss / n, acc: correct / n, predicted };
  } finally {
    lossSum?.dispose();
    for (const p of classes) p.dispose();
    module.train(was);
  }
}

/**
 * Train a classifier with cross-entropy.
 *
 * @param module The network (in train mode during the epochs).
 * @param train Training images.
 * @param valid Validation images, evaluated after every epoch (or null).
 * @param o Epochs, batch size, optimizer, schedule, device, augmentation, normalisation, callbacks.
 * @returns One record per epoch.
 */
export async function trainClassifier(
  module: Module,
  train: ImageDataset,
  valid: ImageDataset | null,
  o: TrainOptions,
): Promise<EpochRecord[]> {
  const g = o.generator ?? defaultGenerator();
  const it = new BatchIterator(train, { batchSize: o.batchSize, generator: g });
  const history: EpochRecord[] = [];
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    module.train();
    const start = performance.now();
    const lr = o.optimizer.lr;
    // the loss and hits summed on the device as the batches come, read
    // together once an epoch (on a GPU every read waits for a round trip)
    let lossSum: Tensor | null = null, hitSum: Tensor | null = null;
    let b = 0;
    for (const batch of it.epoch()) {
      o.augment?.(batch.x, batch.size, g);
      using x = upload(train, batch.x, batch.size, o.device, o.normalize);
      using y = tensor(Float32Array.from(batch.labels), { device: o.device });
      {
        using logits = module.forward(x);
        using loss = crossEntropy(logits, y);
        loss.backward();
        noGrad(() => {
          lossSum = accumulate(lossSum, loss.mul(batch.size));
          hitSum = accumulate(hitSum, countHits(logits, y));
        });
      }
      o.optimizer.step();
      o.optimizer.zeroGrad();
      o.onBatch?.(epoch, ++b, it.length);
    }
    const [loss, correct] = await readPair(lossSum, hitSum);
    const seconds = (performance.now() - start) / 1000;
    o.scheduler?.step();
    const n = train.labels.length;
    const record: EpochRecord = { epoch, trainLoss: loss / n, trainAcc: correct / n, lr, seconds };
    if (valid) {
      const v = await evaluateClassifier(module, valid, {
        device: o.device,
        normalize: o.normalize,
      });
      record.validLoss = v.loss;
      record.validAcc = v.acc;
    }
    history.push(record);
    await o.onEpoch?.(record);
  }
  return history;
}
