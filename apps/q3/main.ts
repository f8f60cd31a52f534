/**
 * `deno task q3`: train the homework's 1024 → 64 → 36 network on NIST36 and
 * write curves, the learning-rate study, weight images, the confusion matrix,
 * metrics.json and the model. `deno task q3 eval` measures a saved model on
 * any NIST-format file.
 *
 * @module
 */

import { DEVICE_FLAG, deviceFromFlag, runCommand, UsageError, userPath } from "@recognize/cli";
import { dataRoot } from "@recognize/datasets";
import { runQ3 } from "./train.ts";
import { evaluateModelFile } from "./eval.ts";

await runCommand({
  usage:
    "deno task q3 [options]\n       deno task q3 eval --model FILE --file FILE.mat [--split test]",
  description:
    "Train the hand-written 1024 → 64 (sigmoid) → 36 (softmax) network on NIST36 and write the homework's figures and numbers; or evaluate a saved model.",
  flags: {
    data: {
      type: "string",
      description: "Data folder (default: $RECOGNIZE_DATA, else ./data)",
      placeholder: "DIR",
    },
    out: { type: "string", description: "Output folder", default: "out/q3", placeholder: "DIR" },
    epochs: { type: "number", description: "Epochs", default: 50 },
    "batch-size": { type: "number", description: "Samples per batch", default: 32 },
    lr: { type: "number", description: "Learning rate (of the summed batch loss)", default: 0.01 },
    hidden: { type: "number", description: "Hidden units", default: 64 },
    seed: { type: "number", description: "Random seed", default: 0 },
    device: DEVICE_FLAG,
    "skip-study": { type: "boolean", description: "Skip the learning-rate study (×10, ×0.1)" },
    "per-class": {
      type: "number",
      description: "Use only this many samples per class (quick runs)",
    },
    model: { type: "string", description: "eval: the model file", placeholder: "FILE" },
    file: { type: "string", description: "eval: a NIST-format .mat file", placeholder: "FILE" },
    split: {
      type: "string",
      description: "eval: key prefix in the file (train, valid, test); found when omitted",
    },
  },
}, async (flags, positionals) => {
  const device = await deviceFromFlag(flags.device);
  if (positionals[0] === "eval") {
    if (!flags.model || !flags.file) {
      throw new UsageError("eval needs --model FILE and --file FILE.mat");
    }
    const result = await evaluateModelFile(
      userPath(flags.model as string),
      userPath(flags.file as string),
      {
        split: flags.split as string | undefined,
        device,
      },
    );
    console.log(JSON.stringify(result));
    return;
  }
  if (positionals.length > 0) throw new UsageError(`unknown command "${positionals[0]}"`);
  const out = userPath(flags.out as string);
  const metrics = await runQ3({
    root: dataRoot(flags.data ? userPath(flags.data as string) : undefined),
    out,
    epochs: flags.epochs as number,
    batchSize: flags["batch-size"] as number,
    learningRate: flags.lr as number,
    hidden: flags.hidden as number,
    seed: flags.seed as number,
    device,
    study: !flags["skip-study"],
    perClass: flags["per-class"] as number | undefined,
  });
  const f = metrics.final as Record<string, { accuracy: number }>;
  console.log(
    `valid accuracy ${(100 * f.valid.accuracy).toFixed(1)}%, test ${
      (100 * f.test.accuracy).toFixed(1)
    }%; ` +
      `wrote ${out}/ (metrics.json, model.safetensors, curves, lr_study, weights, confusion_matrix)`,
  );
});
