/**
 * One epoch of the homework MLP (1024 → 64 sigmoid → 36 softmax, plain SGD)
 * over 10,800 samples, at batch 32 and 256, against the TypeScript
 * reference kernels in the same run (and NumPy, when `--numpy` and Python
 * with NumPy are available: three rounds of NumPy's epoch then ours, the
 * ratio each round's, its median reported). Both sides do the homework's
 * epoch: shuffle, and per batch forward, summed cross-entropy and count
 * correct, backward, update. Each figure is the median of five epochs after
 * a warm-up one.
 *
 * @module
 */

import { Mlp } from "@recognize/nn";
import { type Backend, cpuBackend, Generator, tensor, withCpuKernels } from "@recognize/tensor";
import { hostClock, kernelPaths, median, report, round3, runPeer, timeWithPeer } from "./timing.ts";

const N = 10800;

function data(device: Backend) {
  const g = new Generator(7);
  const x = g.fillUniform(new Float32Array(N * 1024));
  const labels = Float32Array.from({ length: N }, (_, i) => i % 36);
  return { x: tensor(x, { shape: [N, 1024], device }), labels: tensor(labels, { device }) };
}

async function epochSeconds(
  device: Backend,
  batchSize: number,
  epochs: number,
  host?: number[],
): Promise<number> {
  const train = data(device);
  const clock = hostClock();
  const mlp = Mlp.create({ sizes: [1024, 64, 36], generator: new Generator(1), device });
  const valid = { x: train.x.slice([0], [36]), labels: train.labels.slice([0], [36]) };
  // a warm-up epoch (compiles kernels, fills pools), then the median of the timed ones
  const h = await mlp.fit(train, valid, {
    epochs: 1 + epochs,
    batchSize,
    learningRate: 0.01,
    generator: new Generator(2),
    onBatch: clock.onBatch,
    onEpoch: clock.onEpoch,
  });
  host?.push(median(clock.seconds.slice(1)));
  mlp.params.dispose();
  valid.x.dispose();
  valid.labels.dispose();
  train.x.dispose();
  train.labels.dispose();
  return median(h.slice(1).map((e) => e.seconds));
}

const NUMPY = `
import sys, numpy as np, time
N=${N}; rng=np.random.default_rng(0)
X=rng.random((N,1024),dtype=np.float32); Y=np.eye(36,dtype=np.float32)[np.arange(N)%36]
def init(i,o):
    a=np.sqrt(6/(i+o)); return rng.uniform(-a,a,(i,o)).astype(np.float32), np.zeros(o,np.float32)
def epoch(bs, W1,b1,W2,b2, lr=0.01):
    idx=rng.permutation(N); loss=0.0; correct=0
    for s in range(0,N,bs):
        j=idx[s:s+bs]; x=X[j]; y=Y[j]
        h=1/(1+np.exp(-(x@W1+b1))); z=h@W2+b2; z-=z.max(1,keepdims=True); p=np.exp(z); p/=p.sum(1,keepdims=True)
        loss+=-np.sum(y*np.log(np.maximum(p,1e-12))); correct+=np.sum(p.argmax(1)==y.argmax(1))
        d=p-y; gW2=h.T@d; gb2=d.sum(0); dh=(d@W2.T)*h*(1-h); gW1=x.T@dh; gb1=dh.sum(0)
        W1-=lr*gW1; b1-=lr*gb1; W2-=lr*gW2; b2-=lr*gb2
bs=int(sys.argv[1])
W1,b1=init(1024,64); W2,b2=init(64,36); epoch(bs,W1,b1,W2,b2)
ts=[]
for r in range(5):
    t=time.perf_counter(); epoch(bs,W1,b1,W2,b2); ts.append(time.perf_counter()-t)
print(sorted(ts)[2])
`;

/** NumPy's median epoch at `batch`, or null where Python or NumPy is missing. */
async function numpySeconds(python: string, batch: number): Promise<number | null> {
  const words = await runPeer(python, NUMPY, [String(batch)]);
  const seconds = Number(words?.[0]);
  return words && Number.isFinite(seconds) ? seconds : null;
}

/**
 * Time one epoch on the device and with the TypeScript reference kernels.
 * With NumPy, its epoch and ours are timed in turn ({@link timeWithPeer}).
 *
 * @param device The device.
 * @param options `numpy`: a Python interpreter with NumPy to time the same epoch;
 *   `rounds`: NumPy-then-ours rounds (default three).
 */
export async function benchMlpEpoch(
  device: Backend,
  options: { numpy?: string; rounds?: number } = {},
): Promise<void> {
  const paths = kernelPaths(device);
  let python = options.numpy;
  for (const batch of [32, 256]) {
    const base = await withCpuKernels("reference", () => epochSeconds(cpuBackend(), batch, 1));
    const host: number[] = [];
    const results = await timeWithPeer(
      paths,
      (path) => withCpuKernels(path.kernels, () => epochSeconds(device, batch, 5, host)),
      {
        name: "NumPy",
        python,
        time: async (py) => {
          const seconds = await numpySeconds(py, batch);
          return seconds === null ? null : { seconds };
        },
      },
      options.rounds,
    );
    // NumPy missing at the first batch size: not asked again at the next
    if (!results[0]?.peer) python = undefined;
    for (const [i, path] of paths.entries()) {
      const { seconds, peer } = results[i];
      report({
        bench: "mlp_epoch",
        device: device.name,
        kernels: path.label,
        batch,
        samples: N,
        seconds,
        baseline: "cpu typescript reference",
        baseline_seconds: base,
        ratio: base / seconds,
        // on a GPU, the host's part of the epoch (encoding every step)
        ...(device.name !== "cpu" ? { host_seconds: median(host) } : {}),
        ...(peer
          ? {
            numpy_seconds: peer.seconds,
            numpy_ratio: peer.ratio,
            numpy_ratios: peer.ratios.map(round3),
            rounds: peer.ratios.length,
          }
          : {}),
      });
    }
  }
}
