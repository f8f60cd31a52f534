/**
 * Q3: train the 1024 → 64 → 36 network on NIST36 and write the figures and
 * numbers the homework asks for.
 *
 * @module
 */

import { ProgressBar } from "@recognize/cli";
import { type ImageDataset, loadNist36, takePerClass } from "@recognize/datasets";
import { writeFileAtomic } from "@recognize/io";
import { confusionMatrix, topConfusedPairs } from "@recognize/metrics";
import { type EpochStats, Mlp } from "@recognize/nn";
import {
  confusionMatrixChart,
  imageFigure,
  imageGrid,
  lineChart,
  saveFigure,
  sideBySide,
} from "@recognize/plot";
import { type Backend, Generator, type Tensor, tensor } from "@recognize/tensor";

/** Settings of a Q3 run. */
export interface Q3Options {
  root: string;
  out: string;
  epochs: number;
  batchSize: number;
  learningRate: number;
  hidden: number;
  seed: number;
  device: Backend;
  study: boolean;
  /** Use only this many samples a class (quick runs and tests). */
  perClass?: number;
  log?: (line: string) => void;
}

function toTensors(d: ImageDataset, device: Backend): { x: Tensor; labels: Tensor } {
  return {
    // adopted: the decoded images are freed once on the device, not at V8's next full collection
    x: tensor(d.images, { shape: [d.labels.length, 1024], device, adopt: true }),
    labels: tensor(Float32Array.from(d.labels), { device }),
  };
}

function curves(title: string, h: EpochStats[]) {
  return sideBySide(title, [
    lineChart({
      title: "Accuracy",
      yTitle: "accuracy",
      yDomain: [0, 1],
      series: [{ name: "train", y: h.map((e) => e.trainAcc) }, {
        name: "valid",
        y: h.map((e) => e.validAcc),
      }],
    }),
    lineChart({
      title: "Cross-entropy loss (mean per sample)",
      yTitle: "loss",
      series: [{ name: "train", y: h.map((e) => e.trainLoss) }, {
        name: "valid",
        y: h.map((e) => e.validLoss),
      }],
    }),
  ]);
}

/** First-layer weights as 32×32 images, one per hidden unit. */
async function weightImages(mlp: Mlp): Promise<Float32Array<ArrayBuffer>> {
  const w = await mlp.params.get("Wlayer1").data(); // [1024, hidden]
  const hidden = mlp.sizes[1];
  const out = new Float32Array(hidden * 1024);
  for (let u = 0; u < hidden; u++) {
    for (let p = 0; p < 1024; p++) out[u * 1024 + p] = w[p * hidden + u];
  }
  return out;
}

/** Train one network and report progress. */
async function trainOne(
  o: Q3Options,
  lr: number,
  train: { x: Tensor; labels: Tensor },
  valid: { x: Tensor; labels: Tensor },
  classes: string[],
  onStart?: (mlp: Mlp) => Promise<void>,
): Promise<{ mlp: Mlp; history: EpochStats[] }> {
  const g = new Generator(o.seed);
  const mlp = Mlp.create({
    sizes: [1024, o.hidden, classes.length],
    classes,
    generator: g,
    device: o.device,
  });
  await onStart?.(mlp);
  let bar: ProgressBar | null = null;
  const history = await mlp.fit(train, valid, {
    epochs: o.epochs,
    batchSize: o.batchSize,
    learningRate: lr,
    generator: g,
    onBatch: (epoch, _batch, batches) => {
      bar ??= new ProgressBar(batches, { label: `lr ${lr} epoch ${epoch}/${o.epochs}` });
      bar.tick();
    },
    onEpoch: (s) => {
      bar?.done({ loss: s.trainLoss, acc: s.trainAcc, "valid acc": s.validAcc });
      bar = null;
    },
  });
  return { mlp, history };
}

/**
 * Run Q3: the tuned network (figures, confusion matrix, model), and the
 * learning-rate study at ×10 and ×0.1.
 *
 * @param o Settings.
 * @returns What `metrics.json` holds.
 */
export async function runQ3(o: Q3Options): Promise<Record<string, unknown>> {
  const log = o.log ?? ((l: string) => console.error(l));
  const started = performance.now();
  // one split at a time, and only the tensors kept: the decoded files never pile up in memory
  const splits: { x: Tensor; labels: Tensor }[] = [];
  let classes: string[] = [];
  const counts: string[] = [];
  let source = "";
  let testLabels: Int32Array = new Int32Array(0);
  for (const s of ["train", "valid", "test"] as const) {
    let d = await loadNist36(s, { root: o.root });
    if (o.perClass) d = takePerClass(d, o.perClass);
    splits.push(toTensors(d, o.device));
    classes = d.classes;
    source ||= d.source;
    counts.push(`${s} ${d.labels.length}`);
    if (s === "test") testLabels = d.labels;
  }
  log(`NIST36 from ${source}: ${counts.join(", ")}`);
  const [train, valid, test] = splits;
  await Deno.mkdir(o.out, { recursive: true });

  // the tuned run
  let initialWeights: Float32Array = new Float32Array(0);
  const tuned = await trainOne(o, o.learningRate, train, valid, classes, async (mlp) => {
    initialWeights = await weightImages(mlp);
  });
  const { mlp, history } = tuned;
  const finalWeights = await weightImages(mlp);
  const testEval = await mlp.evaluate(test.x, test.labels);
  const trainEval = await mlp.evaluate(train.x, train.labels);
  const validEval = await mlp.evaluate(valid.x, valid.labels);
  const matrix = confusionMatrix(testLabels, testEval.predicted, classes.length);
  const pairs = topConfusedPairs(matrix, classes, 10);
  await mlp.save(`${o.out}/model.safetensors`, {
    dataset: source,
    epochs: String(o.epochs),
    batch_size: String(o.batchSize),
    learning_rate: String(o.learningRate),
    seed: String(o.seed),
    valid_accuracy: validEval.acc.toFixed(4),
    test_accuracy: testEval.acc.toFixed(4),
  });

  // the learning-rate study: ×10 and ×0.1 of the tuned rate
  const study: Record<string, { learningRate: number; history: EpochStats[]; test?: number }> = {
    tuned: { learningRate: o.learningRate, history },
  };
  if (o.study) {
    for (const [label, factor] of [["x10", 10], ["x0.1", 0.1]] as const) {
      const lr = Number((o.learningRate * factor).toPrecision(6));
      const run = await trainOne(o, lr, train, valid, classes);
      study[label] = {
        learningRate: lr,
        history: run.history,
        test: (await run.mlp.evaluate(test.x, test.labels)).acc,
      };
      run.mlp.params.dispose();
    }
  }
  // the data goes before the figures are drawn: drawing takes tens of megabytes of its own
  for (const t of [train, valid, test]) {
    t.x.dispose();
    t.labels.dispose();
  }

  await saveFigure(
    `${o.out}/curves`,
    curves(
      `1024 → ${o.hidden} → 36, batch ${o.batchSize}, learning rate ${o.learningRate}`,
      history,
    ),
  );
  const grid = (w: Float32Array) =>
    imageGrid(w, { count: o.hidden, height: 32, width: 32, cols: 8, normalize: "each" });
  await saveFigure(
    `${o.out}/weights`,
    imageFigure("First-layer weights as 32×32 images (each scaled to its own range)", [
      { heading: "at initialisation", image: grid(initialWeights) },
      { heading: `after ${o.epochs} epochs`, image: grid(finalWeights) },
    ]),
    { scale: 1 },
  );
  await saveFigure(
    `${o.out}/confusion_matrix`,
    confusionMatrixChart(
      matrix,
      classes,
      `NIST36 test set confusion matrix (accuracy ${(100 * testEval.acc).toFixed(1)}%)`,
    ),
  );
  if (o.study) {
    for (const [label, r] of Object.entries(study)) {
      await saveFigure(
        `${o.out}/lr_study_${label}`,
        curves(`Learning rate ${r.learningRate} (${label})`, r.history),
      );
    }
    await saveFigure(
      `${o.out}/lr_study`,
      sideBySide("Learning-rate study: validation accuracy and training loss", [
        lineChart({
          title: "Validation accuracy",
          yTitle: "accuracy",
          yDomain: [0, 1],
          series: Object.values(study).map((r) => ({
            name: `lr ${r.learningRate}`,
            y: r.history.map((e) => e.validAcc),
          })),
        }),
        lineChart({
          title: "Training loss",
          yTitle: "loss",
          series: Object.values(study).map((r) => ({
            name: `lr ${r.learningRate}`,
            y: r.history.map((e) => e.trainLoss),
          })),
        }),
      ]),
    );
  }
  study.tuned.test = testEval.acc;

  const rows = Object.entries(study).flatMap(([label, r]) =>
    r.history.map((e) =>
      [label, r.learningRate, e.epoch, e.trainLoss, e.trainAcc, e.validLoss, e.validAcc, e.seconds]
        .join(",")
    )
  );
  await writeFileAtomic(
    `${o.out}/history.csv`,
    new TextEncoder().encode(
      ["run,learning_rate,epoch,train_loss,train_acc,valid_loss,valid_acc,seconds", ...rows].join(
        "\n",
      ) + "\n",
    ),
  );
  const seconds = history.map((e) => e.seconds);
  const metrics = {
    settings: {
      layers: [1024, o.hidden, 36],
      activation: "sigmoid",
      epochs: o.epochs,
      batchSize: o.batchSize,
      learningRate: o.learningRate,
      seed: o.seed,
      device: o.device.name,
      data: source,
    },
    final: {
      train: { accuracy: trainEval.acc, loss: trainEval.loss },
      valid: { accuracy: validEval.acc, loss: validEval.loss },
      test: { accuracy: testEval.acc, loss: testEval.loss },
    },
    bestValidAccuracy: Math.max(...history.map((e) => e.validAcc)),
    secondsPerEpoch: seconds.reduce((s, v) => s + v, 0) / seconds.length,
    wallSeconds: (performance.now() - started) / 1000,
    topConfusedPairs: pairs,
    learningRateStudy: Object.fromEntries(
      Object.entries(study).map(([label, r]) => [label, {
        learningRate: r.learningRate,
        finalTrainLoss: r.history.at(-1)!.trainLoss,
        finalValidAccuracy: r.history.at(-1)!.validAcc,
        bestValidAccuracy: Math.max(...r.history.map((e) => e.validAcc)),
        testAccuracy: r.test,
      }]),
    ),
  };
  await writeFileAtomic(
    `${o.out}/metrics.json`,
    new TextEncoder().encode(JSON.stringify(metrics, null, 2) + "\n"),
  );
  mlp.params.dispose();
  return metrics;
}
