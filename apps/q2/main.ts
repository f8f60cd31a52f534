/**
 * `deno task q2`: the homework's Q2 checks of the hand-written network on
 * four Gaussian clusters, ending with the numerical gradient checker.
 *
 * @module
 */

import { DEVICE_FLAG, deviceFromFlag, runCommand } from "@recognize/cli";
import type { DType } from "@recognize/tensor";
import { runQ2Checks } from "./checks.ts";

await runCommand({
  usage: "deno task q2 [options]",
  description:
    "Run the Q2 checks of the hand-written network (initialisation, forward, softmax, loss, backward, batches, training) and the numerical gradient checker over every weight and bias.",
  flags: {
    device: DEVICE_FLAG,
    dtype: {
      type: "string",
      description: "Element type (float64 for a meaningful gradient check; WebGPU is float32 only)",
      default: "float64",
      choices: ["float64", "float32"],
    },
    seed: { type: "number", description: "Random seed", default: 0 },
    iterations: { type: "number", description: "Training iterations", default: 500 },
    lr: { type: "number", description: "Learning rate", default: 1e-3 },
    eps: {
      type: "number",
      description: "Step ε of the refined central differences (default 1e-4)",
    },
  },
}, async (flags) => {
  const device = await deviceFromFlag(flags.device);
  const dtype = (device.name === "webgpu" ? "float32" : flags.dtype) as DType;
  if (dtype !== flags.dtype) console.error(`note: WebGPU computes in float32`);
  const checks = await runQ2Checks({
    device,
    dtype,
    seed: flags.seed as number,
    iterations: flags.iterations as number,
    learningRate: flags.lr as number,
    eps: flags.eps as number | undefined,
    onCheck: (c) => console.log(`${c.ok ? "✓" : "✗"} ${c.name}\n    ${c.detail}`),
  });
  const failed = checks.filter((c) => !c.ok).length;
  console.log(
    failed === 0
      ? `all ${checks.length} checks passed`
      : `${failed} of ${checks.length} checks failed`,
  );
  if (failed > 0) Deno.exit(1);
});
