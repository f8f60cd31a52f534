/**
 * `deno task q6 SUBCOMMAND`: the homework's PyTorch part on this toolkit's
 * own tensors — fc, cnn (NIST36), cifar, sun, flowers — and
 * `deno task q6 eval --model FILE --file FILE.mat` for saved NIST36 classifiers.
 *
 * @module
 */

import { DEVICE_FLAG, deviceFromFlag, runCommand, UsageError, userPath } from "@recognize/cli";
import { dataRoot } from "@recognize/datasets";
import { evaluateClassifierFile } from "./eval.ts";
import { runCifar, runCnn, runFc, runFlowers, type RunOptions, runSun } from "./runs.ts";

const COMMANDS: Record<string, [string, (o: RunOptions) => Promise<Record<string, unknown>>]> = {
  fc: ["Q6.1.1: the Q3 network with the Module API on NIST36, against the hand-written one", runFc],
  cnn: ["Q6.1.2: a CNN on NIST36", runCnn],
  cifar: ["Q6.1.3: a CNN on CIFAR-10", runCifar],
  sun: ["Q6.1.4: a CNN on the HW1 SUN scenes, and SqueezeNet features with a linear head", runSun],
  flowers: [
    "Q6.2.1: Flowers-17, SqueezeNet 1.1 with a new head, and a CNN from scratch",
    runFlowers,
  ],
};

await runCommand({
  usage:
    "deno task q6 <fc|cnn|cifar|sun|flowers> [options]\n       deno task q6 eval --model FILE --file FILE.mat [--split test]",
  description:
    "Train the homework's Q6 networks with the Module API on the CPU or WebGPU; write curves, " +
    "confusion matrices, metrics.json and the models.",
  flags: {
    data: {
      type: "string",
      description: "Data folder (default: $RECOGNIZE_DATA, else ./data)",
      placeholder: "DIR",
    },
    out: { type: "string", description: "Output folder", default: "out/q6", placeholder: "DIR" },
    epochs: { type: "number", description: "Epochs (default: each experiment's own)" },
    seed: { type: "number", description: "Random seed", default: 0 },
    "per-class": {
      type: "number",
      description: "Use only this many images per class (quick runs)",
    },
    device: DEVICE_FLAG,
    model: { type: "string", description: "eval: a saved NIST36 classifier", placeholder: "FILE" },
    file: { type: "string", description: "eval: a NIST-format .mat file", placeholder: "FILE" },
    split: { type: "string", description: "eval: key prefix in the file; found when omitted" },
  },
  epilog: `Subcommands:${
    Object.entries(COMMANDS).map(([k, [d]]) => `\n  ${k.padEnd(8)} ${d}`).join("")
  }`,
}, async (flags, positionals) => {
  const device = await deviceFromFlag(flags.device);
  const [command] = positionals;
  if (command === "eval") {
    if (!flags.model || !flags.file) {
      throw new UsageError("eval needs --model FILE and --file FILE.mat");
    }
    const record = await evaluateClassifierFile(
      userPath(flags.model as string),
      userPath(flags.file as string),
      { split: flags.split as string | undefined, device },
    );
    console.log(JSON.stringify(record));
    return;
  }
  const entry = COMMANDS[command ?? ""];
  if (!entry) {
    throw new UsageError(
      command
        ? `unknown subcommand "${command}"`
        : "name a subcommand (fc, cnn, cifar, sun, flowers)",
    );
  }
  await entry[1]({
    root: dataRoot(flags.data ? userPath(flags.data as string) : undefined),
    out: userPath(flags.out as string),
    device,
    seed: flags.seed as number,
    epochs: flags.epochs as number | undefined,
    perClass: flags["per-class"] as number | undefined,
    log: (line) => console.error(line),
  });
});
