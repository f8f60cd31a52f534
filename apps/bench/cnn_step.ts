/**
 * One training step of a small CNN (batch 64; conv 3×3 → 32, ReLU,
 * max-pool; conv 3×3 → 64, ReLU, max-pool; linear → 36 on 1×32×32;
 * cross-entropy, backward, SGD), against the TypeScript reference kernels.
 *
 * @module
 */

import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from "@recognize/nn";
import { SGD } from "@recognize/optim";
import {
  type Backend,
  cpuBackend,
  crossEntropy,
  Generator,
  randUniform,
  tensor,
  withCpuKernels,
} from "@recognize/tensor";
import { kernelPaths, report, timeIt } from "./timing.ts";

async function stepSeconds(device: Backend): Promise<number> {
  const g = new Generator(5);
  const net = new Sequential(
    new Conv2d(1, 32, 3, { padding: 1, device, generator: g }),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(32, 64, 3, { padding: 1, device, generator: g }),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(64 * 8 * 8, 36, { device, generator: g }),
  );
  const opt = new SGD(net.parameters(), { lr: 0.01 });
  using x = randUniform([64, 1, 32, 32], 0, 1, { device, generator: g });
  using y = tensor(Array.from({ length: 64 }, (_, i) => i % 36), { device });
  return await timeIt(
    () => {
      {
        using logits = net.forward(x);
        using loss = crossEntropy(logits, y);
        loss.backward();
      }
      opt.step();
      opt.zeroGrad();
    },
    device,
    { minSeconds: 2, warmup: 2 },
  );
}

/**
 * Time the step on the device and with the TypeScript reference kernels.
 *
 * @param device The device.
 */
export async function benchCnnStep(device: Backend): Promise<void> {
  const base = await withCpuKernels("reference", () => stepSeconds(cpuBackend()));
  for (const path of kernelPaths(device)) {
    const seconds = await withCpuKernels(path.kernels, () => stepSeconds(device));
    report({
      bench: "cnn_step",
      device: device.name,
      kernels: path.label,
      batch: 64,
      seconds,
      baseline: "cpu typescript reference",
      baseline_seconds: base,
      ratio: base / seconds,
    });
  }
}
