/**
 * One training step of a small CNN (batch 64; conv 3×3 → 32, ReLU,
 * max-pool; conv 3×3 → 64, ReLU, max-pool; linear → 36 on 1×32×32;
 * cross-entropy, backward, SGD), against the TypeScript reference kernels
 * (and PyTorch's CPU step, when `--torch` names a Python with PyTorch: its
 * step and ours timed in turn, three rounds, the median of each round's
 * ratio reported, as `--numpy` does for the MLP epoch).
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
import {
  gpuSecondsPerCall,
  kernelPaths,
  report,
  round3,
  runPeer,
  timeIt,
  timeWithPeer,
} from "./timing.ts";

/** The benchmark network: conv 3×3 → 32, ReLU, pool; conv 3×3 → 64, ReLU, pool; linear → 36. */
export function benchCnn(device: Backend, g: Generator): Sequential {
  return new Sequential(
    new Conv2d(1, 32, 3, { padding: 1, device, generator: g }),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(32, 64, 3, { padding: 1, device, generator: g }),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(64 * 8 * 8, 36, { device, generator: g }),
  );
}

async function stepSeconds(device: Backend): Promise<number> {
  const g = new Generator(5);
  const net = benchCnn(device, g);
  const opt = new SGD(net.parameters(), { lr: 0.01 });
  using x = randUniform([64, 1, 32, 32], 0, 1, { device, generator: g });
  using y = tensor(Array.from({ length: 64 }, (_, i) => i % 36), { device });
  const step = () => {
    {
      using logits = net.forward(x);
      using loss = crossEntropy(logits, y);
      loss.backward();
    }
    opt.step();
    opt.zeroGrad();
  };
  // on a GPU, steps back to back without Deno's ~11 ms wait after each
  if (device.name !== "cpu") return await gpuSecondsPerCall(step, device);
  return await timeIt(step, device, { minSeconds: 2, warmup: 2 });
}

const TORCH = `
import os, sys, time, torch, torch.nn as nn
torch.set_num_threads(os.cpu_count()); torch.manual_seed(0)
net = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64 * 8 * 8, 36))
opt = torch.optim.SGD(net.parameters(), lr=0.01)
x = torch.rand(64, 1, 32, 32); y = torch.arange(64) % 36
def step():
    opt.zero_grad(); nn.functional.cross_entropy(net(x), y).backward(); opt.step()
for _ in range(2): step()
ts = []; start = time.perf_counter()
while len(ts) < 3 or time.perf_counter() - start < 2:
    t = time.perf_counter(); step(); ts.append(time.perf_counter() - t)
print(sorted(ts)[len(ts) // 2], torch.get_num_threads(), torch.__version__)
`;

/** PyTorch's median CPU step (with every core), or null where Python or PyTorch is missing. */
async function torchStep(
  python: string,
): Promise<{ seconds: number; threads: number; version: string } | null> {
  const words = await runPeer(python, TORCH);
  if (!words || !Number.isFinite(Number(words[0]))) return null;
  return { seconds: Number(words[0]), threads: Number(words[1]), version: words[2] };
}

/**
 * Time the step on the device and with the TypeScript reference kernels.
 * With PyTorch, its step and ours are timed in turn ({@link timeWithPeer}).
 *
 * @param device The device.
 * @param options `torch`: a Python interpreter with PyTorch to time the same step on the CPU;
 *   `rounds`: PyTorch-then-ours rounds (default three).
 */
export async function benchCnnStep(
  device: Backend,
  options: { torch?: string; rounds?: number } = {},
): Promise<void> {
  const base = await withCpuKernels("reference", () => stepSeconds(cpuBackend()));
  const paths = kernelPaths(device);
  const results = await timeWithPeer(
    paths,
    (path) => withCpuKernels(path.kernels, () => stepSeconds(device)),
    {
      name: "PyTorch",
      python: options.torch,
      time: async (py) => {
        const t = await torchStep(py);
        return t && { seconds: t.seconds, about: `pytorch ${t.version} cpu, ${t.threads} threads` };
      },
    },
    options.rounds,
  );
  for (const [i, path] of paths.entries()) {
    const { seconds, peer } = results[i];
    report({
      bench: "cnn_step",
      device: device.name,
      kernels: path.label,
      batch: 64,
      seconds,
      baseline: "cpu typescript reference",
      baseline_seconds: base,
      ratio: base / seconds,
      ...(peer
        ? {
          torch: peer.about,
          torch_seconds: peer.seconds,
          torch_ratio: peer.ratio,
          torch_ratios: peer.ratios.map(round3),
          rounds: peer.ratios.length,
        }
        : {}),
    });
  }
}
