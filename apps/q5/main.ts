/**
 * `deno task q5`: train the homework's autoencoder on NIST36 and write the
 * loss curve, reconstructions, PSNR, metrics.json and the model;
 * `deno task q5 eval` measures a saved model's mean PSNR on any NIST file.
 *
 * @module
 */

import { DEVICE_FLAG, deviceFromFlag, runCommand, UsageError, userPath } from "@recognize/cli";
import { Autoencoder } from "@recognize/autoencoder";
import { dataRoot, loadNistFile } from "@recognize/datasets";
import { evaluatePsnr, runQ5 } from "./train.ts";

await runCommand({
  usage:
    "deno task q5 [options]\n       deno task q5 eval --model FILE --file FILE.mat [--split valid]",
  description:
    "Train the 1024 → 32 → 32 → 32 → 1024 autoencoder (ReLU, sigmoid output, squared error, momentum) with the handout's defaults; or evaluate a saved one.",
  flags: {
    data: {
      type: "string",
      description: "Data folder (default: $RECOGNIZE_DATA, else ./data)",
      placeholder: "DIR",
    },
    out: { type: "string", description: "Output folder", default: "out/q5", placeholder: "DIR" },
    epochs: { type: "number", description: "Epochs", default: 100 },
    "batch-size": { type: "number", description: "Samples per batch", default: 36 },
    lr: { type: "number", description: "Learning rate", default: 3e-5 },
    decay: {
      type: "number",
      description: "Learning-rate factor applied every --decay-every epochs",
      default: 0.9,
    },
    "decay-every": {
      type: "number",
      description: "Epochs between learning-rate decays",
      default: 20,
    },
    hidden: { type: "number", description: "Hidden width", default: 32 },
    momentum: { type: "number", description: "Momentum", default: 0.9 },
    seed: { type: "number", description: "Random seed", default: 0 },
    show: {
      type: "string",
      description: "Classes in the reconstruction figure",
      default: "A,M,S,3,8",
    },
    "per-class": {
      type: "number",
      description: "Use only this many samples per class (quick runs)",
    },
    device: DEVICE_FLAG,
    dtype: {
      type: "string",
      description: "Element type (float64 on the CPU only)",
      default: "float32",
      choices: ["float32", "float64"],
    },
    model: { type: "string", description: "eval: the model file", placeholder: "FILE" },
    file: { type: "string", description: "eval: a NIST-format .mat file", placeholder: "FILE" },
    split: { type: "string", description: "eval: key prefix in the file; found when omitted" },
  },
}, async (flags, positionals) => {
  const device = await deviceFromFlag(flags.device);
  if (positionals[0] === "eval") {
    if (!flags.model || !flags.file) {
      throw new UsageError("eval needs --model FILE and --file FILE.mat");
    }
    const model = userPath(flags.model as string), file = userPath(flags.file as string);
    const { autoencoder } = await Autoencoder.load(model, { device });
    const d = await loadNistFile(file, flags.split as string | undefined);
    const r = await evaluatePsnr(autoencoder, d, device);
    console.log(JSON.stringify({ model, file, samples: d.labels.length, meanPsnr: r.mean }));
    return;
  }
  if (positionals.length > 0) throw new UsageError(`unknown command "${positionals[0]}"`);
  const out = userPath(flags.out as string);
  const m = await runQ5({
    root: dataRoot(flags.data ? userPath(flags.data as string) : undefined),
    out,
    epochs: flags.epochs as number,
    batchSize: flags["batch-size"] as number,
    learningRate: flags.lr as number,
    decay: flags.decay as number,
    decayEvery: flags["decay-every"] as number,
    hidden: flags.hidden as number,
    momentum: flags.momentum as number,
    seed: flags.seed as number,
    device,
    dtype: flags.dtype as "float32" | "float64",
    showClasses: (flags.show as string).split(",").map((s) => s.trim()),
    perClass: flags["per-class"] as number | undefined,
  });
  console.log(
    `mean validation PSNR ${
      (m.validPsnr as number).toFixed(2)
    } dB; wrote ${out}/ (metrics.json, model.safetensors, loss, reconstructions)`,
  );
});
