/**
 * One Q6 training run, as every subcommand does it: train with a progress
 * bar, evaluate on the held-out split, and write curves, metrics.json and
 * the model.
 *
 * @module
 */

import { ProgressBar } from "@recognize/cli";
import type { ImageDataset } from "@recognize/datasets";
import { writeFileAtomic } from "@recognize/io";
import { confusionMatrix, topConfusedPairs } from "@recognize/metrics";
import {
  type EpochRecord,
  evaluateClassifier,
  type Module,
  type Normalization,
  saveModel,
  type StepOptimizer,
  trainClassifier,
} from "@recognize/nn";
import { confusionMatrixChart, lineChart, saveFigure, sideBySide } from "@recognize/plot";
import type { Backend, Generator } from "@recognize/tensor";

/** What a run needs. */
export interface Experiment {
  /** Short name (file names, metrics). */
  name: string;
  /** A title for the figures. */
  title: string;
  /** The network. */
  module: Module;
  /** How to save it. */
  arch: { arch: string; config: Record<string, unknown> };
  train: ImageDataset;
  valid: ImageDataset | null;
  test: ImageDataset;
  epochs: number;
  batchSize: number;
  optimizer: StepOptimizer;
  scheduler?: { step(): void };
  augment?: (x: Float32Array, n: number, g: Generator) => void;
  normalize?: Normalization;
  device: Backend;
  generator: Generator;
  out: string;
  /** Extra facts for metrics.json. */
  notes?: Record<string, unknown>;
}

/** Curves of accuracy and loss per epoch. */
export function curvesFigure(title: string, h: EpochRecord[]) {
  const series = (key: "Acc" | "Loss") => [
    { name: "train", y: h.map((e) => (key === "Acc" ? e.trainAcc : e.trainLoss)) },
    ...(h[0]?.validAcc !== undefined
      ? [{ name: "valid", y: h.map((e) => (key === "Acc" ? e.validAcc! : e.validLoss!)) }]
      : []),
  ];
  return sideBySide(title, [
    lineChart({ title: "Accuracy", yTitle: "accuracy", yDomain: [0, 1], series: series("Acc") }),
    lineChart({ title: "Cross-entropy loss", yTitle: "loss", series: series("Loss") }),
  ]);
}

/**
 * Train, evaluate and write the outputs of one experiment.
 *
 * @param e The experiment.
 * @returns Its metrics.
 */
export async function runExperiment(e: Experiment): Promise<Record<string, unknown>> {
  const started = performance.now();
  await Deno.mkdir(e.out, { recursive: true });
  let bar: ProgressBar | null = null;
  const history = await trainClassifier(e.module, e.train, e.valid, {
    epochs: e.epochs,
    batchSize: e.batchSize,
    optimizer: e.optimizer,
    scheduler: e.scheduler,
    device: e.device,
    generator: e.generator,
    augment: e.augment,
    normalize: e.normalize,
    onBatch: (epoch, _b, batches) => {
      bar ??= new ProgressBar(batches, { label: `${e.name} epoch ${epoch}/${e.epochs}` });
      bar.tick();
    },
    onEpoch: (r) => {
      bar?.done({
        loss: r.trainLoss,
        acc: r.trainAcc,
        ...(r.validAcc !== undefined ? { "valid acc": r.validAcc } : {}),
      });
      bar = null;
    },
  });
  const test = await evaluateClassifier(e.module, e.test, {
    device: e.device,
    normalize: e.normalize,
  });
  await saveFigure(`${e.out}/${e.name}_curves`, curvesFigure(e.title, history));
  const matrix = confusionMatrix(e.test.labels, test.predicted, e.test.classes.length);
  await saveFigure(
    `${e.out}/${e.name}_confusion`,
    confusionMatrixChart(
      matrix,
      e.test.classes,
      `${e.title}: test confusion (accuracy ${(100 * test.acc).toFixed(1)}%)`,
    ),
  );
  const [c, h, w] = e.train.shape.slice(1);
  await saveModel(`${e.out}/${e.name}.safetensors`, e.module, {
    arch: e.arch.arch,
    config: e.arch.config,
    classes: e.test.classes,
    inputShape: [c, h, w],
    ...(e.normalize
      ? { normalize: { mean: [...e.normalize.mean], std: [...e.normalize.std] } }
      : {}),
    extra: {
      test_accuracy: test.acc.toFixed(4),
    },
  });
  const seconds = history.map((r) => r.seconds);
  const metrics = {
    ...e.notes, // first, so a note can never replace a measured figure
    name: e.name,
    title: e.title,
    device: e.device.name,
    epochs: e.epochs,
    batchSize: e.batchSize,
    parameters: e.module.parameterCount(),
    data: {
      train: e.train.labels.length,
      valid: e.valid?.labels.length ?? 0,
      test: e.test.labels.length,
      source: e.train.source,
    },
    testAccuracy: test.acc,
    testLoss: test.loss,
    finalTrainAccuracy: history.at(-1)!.trainAcc,
    finalValidAccuracy: history.at(-1)!.validAcc,
    bestValidAccuracy: e.valid ? Math.max(...history.map((r) => r.validAcc!)) : undefined,
    secondsPerEpoch: seconds.reduce((s, v) => s + v, 0) / seconds.length,
    wallSeconds: (performance.now() - started) / 1000,
    topConfusedPairs: topConfusedPairs(matrix, e.test.classes, 5),
    history,
  };
  await writeFileAtomic(
    `${e.out}/${e.name}_metrics.json`,
    new TextEncoder().encode(JSON.stringify(metrics, null, 2) + "\n"),
  );
  console.error(
    `${e.name}: test accuracy ${(100 * test.acc).toFixed(1)}% after ${e.epochs} epochs, ` +
      `${metrics.secondsPerEpoch.toFixed(1)} s/epoch on ${e.device.name}`,
  );
  return metrics;
}
