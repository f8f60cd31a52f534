/**
 * `deno task bench`: benchmarks as JSON lines, one object per result, so runs
 * can be compared across machines and tools.
 *
 * @module
 */

import { DEVICE_FLAG, deviceFromFlag, runCommand, userPath } from "@recognize/cli";
import { WebGpuBackend } from "@recognize/tensor";
import { benchSgemm } from "./sgemm.ts";
import { benchMlpEpoch } from "./mlp_epoch.ts";
import { benchCnnStep } from "./cnn_step.ts";
import { benchCnnEpoch } from "./cnn_epoch.ts";
import { benchOcrPhoto } from "./ocr_photo.ts";

const BENCHES: Record<
  string,
  {
    description: string;
    run: (
      device: Awaited<ReturnType<typeof deviceFromFlag>>,
      flags: Record<string, unknown>,
    ) => Promise<void>;
  }
> = {
  sgemm: {
    description:
      "matrix products at the homework MLP's shapes and 1024³ (on WebGPU also the benchmark CNN's, and 4096³ there or with --large)",
    run: (device, flags) =>
      benchSgemm(device, {
        large: Boolean(flags.large),
        tilings: flags.tilings as string | undefined,
      }),
  },
  mlp_epoch: {
    description: "one epoch of the homework MLP over 10,800 samples at batch 32 and 256",
    run: (device, flags) =>
      benchMlpEpoch(device, {
        numpy: flags.numpy as string | undefined,
        rounds: flags.rounds as number | undefined,
      }),
  },
  cnn_step: {
    description: "one training step of conv32-pool-conv64-pool-linear36 at batch 64",
    run: (device, flags) =>
      benchCnnStep(device, {
        torch: flags.torch as string | undefined,
        rounds: flags.rounds as number | undefined,
      }),
  },
  cnn_epoch: {
    description:
      "one epoch of that CNN over 10,800 samples at batch 64 through the Q6 trainer (the GPU target's epoch)",
    run: (device) => benchCnnEpoch(device),
  },
  ocr_photo: {
    description:
      "the OCR app end to end on 04_deep.jpg (12 MP), by stage, against the 1.5 s target",
    run: (device, flags) =>
      benchOcrPhoto(device, {
        root: flags.data ? userPath(flags.data as string) : undefined,
        photo: flags.photo as string | undefined,
        model: flags.model ? userPath(flags.model as string) : undefined,
      }),
  },
};

await runCommand({
  usage: "deno task bench [--device cpu|webgpu|auto] [--filter NAME]",
  description: "Run benchmarks and print one JSON object per result.",
  flags: {
    device: DEVICE_FLAG,
    filter: {
      type: "string",
      description: "Run only benchmarks whose name contains this text",
      placeholder: "NAME",
    },
    large: { type: "boolean", description: "Include the largest CPU shapes (slow)" },
    "submit-every": {
      type: "string",
      description:
        "WebGPU: dispatches encoded before each submit (default 256, at most 4096), to compare",
      placeholder: "N",
    },
    tilings: {
      type: "string",
      description:
        "sgemm on WebGPU: time each of these matmul tilings at every shape instead (all, or names with commas)",
      placeholder: "NAMES",
    },
    numpy: {
      type: "string",
      description:
        "mlp_epoch: also time the same epoch with NumPy in this Python (in turn with ours, --rounds rounds)",
      placeholder: "PYTHON",
    },
    torch: {
      type: "string",
      description:
        "cnn_step: also time the same step with PyTorch (CPU, every core) in this Python (in turn with ours, --rounds rounds)",
      placeholder: "PYTHON",
    },
    rounds: {
      type: "number",
      description:
        "with --numpy or --torch: rounds of the peer's run then ours, each round's ratio reported and their median (default 3)",
      placeholder: "N",
    },
    data: {
      type: "string",
      description: "ocr_photo: data folder with the homework photos (default: $RECOGNIZE_DATA)",
      placeholder: "DIR",
    },
    photo: {
      type: "string",
      description: "ocr_photo: which photo (default 04_deep.jpg)",
      placeholder: "NAME",
    },
    model: { type: "string", description: "ocr_photo: classifier file", placeholder: "FILE" },
  },
  epilog: `Benchmarks:${
    Object.entries(BENCHES).map(([k, b]) => `\n  ${k.padEnd(12)} ${b.description}`).join("")
  }`,
}, async (flags) => {
  const device = await deviceFromFlag(flags.device);
  if (flags["submit-every"] !== undefined) {
    const n = Number(flags["submit-every"]);
    if (!(device instanceof WebGpuBackend)) {
      throw new Error("--submit-every applies to WebGPU: add --device webgpu");
    }
    if (!Number.isInteger(n) || n < 1 || n > 4096) {
      throw new Error(
        `--submit-every must be a whole number from 1 to 4096, got "${flags["submit-every"]}"`,
      );
    }
    device.submitEvery = n;
  }
  const rounds = flags.rounds as number | undefined;
  if (rounds !== undefined && !(Number.isInteger(rounds) && rounds >= 1 && rounds <= 25)) {
    throw new Error(`--rounds must be a whole number from 1 to 25, got "${rounds}"`);
  }
  const filter = (flags.filter as string | undefined) ?? "";
  const chosen = Object.entries(BENCHES).filter(([name]) => name.includes(filter));
  if (chosen.length === 0) {
    throw new Error(`no benchmark matches "${filter}" (have ${Object.keys(BENCHES).join(", ")})`);
  }
  for (const [, bench] of chosen) await bench.run(device, flags);
});
