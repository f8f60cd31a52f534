/**
 * One epoch of the benchmark CNN (cnn_step's network) over 10,800 samples of
 * 1×32×32 at batch 64, through the trainer the Q6 app uses: shuffle, each
 * batch uploaded, forward, cross-entropy, backward, SGD, the loss and hits
 * summed on the device and read once. This is the issue's "NIST36 CNN epoch"
 * (its GPU target; NIST36's training split has 10,800 images). Synthetic
 * images, so it needs no data. The median of two epochs after a warm-up one;
 * the TypeScript reference kernels run four batches, scaled to the epoch
 * (a whole reference epoch would take a minute and a half).
 *
 * @module
 */

import type { ImageDataset } from "@recognize/datasets";
import { trainClassifier } from "@recognize/nn";
import { SGD } from "@recognize/optim";
import { type Backend, cpuBackend, Generator, withCpuKernels } from "@recognize/tensor";
import { benchCnn } from "./cnn_step.ts";
import { hostClock, kernelPaths, median, report } from "./timing.ts";

const N = 10800, BATCH = 64, REFERENCE_BATCHES = 4;

function images(n: number): ImageDataset {
  const g = new Generator(11);
  return {
    images: g.fillUniform(new Float32Array(n * 1024)),
    shape: [n, 1, 32, 32],
    labels: Int32Array.from({ length: n }, (_, i) => i % 36),
    classes: Array.from({ length: 36 }, (_, i) => String(i)),
    source: "synthetic",
  };
}

/** Median seconds of the timed epochs over `data`, after one warm-up epoch. */
async function epochSeconds(
  device: Backend,
  data: ImageDataset,
  timed: number,
  host?: number[],
): Promise<number> {
  const g = new Generator(5);
  const clock = hostClock();
  const net = benchCnn(device, g);
  const history = await trainClassifier(net, data, null, {
    epochs: 1 + timed,
    batchSize: BATCH,
    optimizer: new SGD(net.parameters(), { lr: 0.01 }),
    device,
    generator: g,
    onBatch: clock.onBatch,
    onEpoch: clock.onEpoch,
  });
  host?.push(median(clock.seconds.slice(1)));
  for (const p of net.parameters()) p.dispose();
  return median(history.slice(1).map((r) => r.seconds));
}

/**
 * Time one epoch on the device, with the TypeScript reference kernels' time
 * for four batches scaled to the epoch as the baseline.
 *
 * @param device The device.
 */
export async function benchCnnEpoch(device: Backend): Promise<void> {
  const few = REFERENCE_BATCHES * BATCH;
  const base =
    (await withCpuKernels("reference", () => epochSeconds(cpuBackend(), images(few), 1))) *
    (N / few);
  const data = images(N);
  for (const path of kernelPaths(device)) {
    const host: number[] = [];
    const seconds = await withCpuKernels(path.kernels, () => epochSeconds(device, data, 2, host));
    report({
      bench: "cnn_epoch",
      device: device.name,
      kernels: path.label,
      batch: BATCH,
      samples: N,
      seconds,
      baseline: `cpu typescript reference (${REFERENCE_BATCHES} batches, scaled to the epoch)`,
      baseline_seconds: base,
      ratio: base / seconds,
      // on a GPU, the host's part of the epoch (encoding every step)
      ...(device.name !== "cpu" ? { host_seconds: median(host) } : {}),
    });
  }
}
