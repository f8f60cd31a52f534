"""PyTorch CUDA figures for the GPU targets of the performance issue, as JSON lines.

The same work as `deno task bench --device webgpu` measures, done the way a
PyTorch user would, so the two can be quoted from one run on one GPU:
  sgemm      float32 products (TF32 off: plain fp32, like our WGSL kernels) at 1024^3 and 4096^3,
             the median of 20 (host clock around each, after a synchronize);
  mlp_epoch  the homework MLP (1024 -> 64 sigmoid -> 36, cross-entropy, SGD lr 0.01) over
             10,800 samples at batch 32 and 256: shuffle, forward, loss and hits summed on
             the GPU, backward, step; one read at the epoch's end;
  cnn_epoch  conv 3x3 -> 32, ReLU, pool; conv 3x3 -> 64, ReLU, pool; linear -> 36 on 1x32x32,
             10,800 samples at batch 64, the same epoch.
Sums in float32 throughout. The data live on the GPU (PyTorch's fastest case; our trainer uploads each batch).
Each epoch figure is the median of five (three for the CNN) after a warm-up epoch.

  python3 tools/reference/torch_gpu_peers.py
"""

import json
import statistics
import time

import torch
import torch.nn as nn

N = 10800
# the CPU where no GPU is found, so the script can be tried anywhere
DEV = "cuda" if torch.cuda.is_available() else "cpu"


def sync():
    if DEV == "cuda":
        torch.cuda.synchronize()


def report(**fields):
    print(json.dumps({"peer": f"pytorch {torch.__version__} {DEV}", **fields}), flush=True)


def sgemm(size, reps=20):
    a = torch.randn(size, size, device=DEV)
    b = torch.randn(size, size, device=DEV)
    for _ in range(3):
        a @ b
    sync()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        a @ b
        sync()
        times.append(time.perf_counter() - t)
    t = statistics.median(times)
    report(bench="sgemm", m=size, n=size, k=size, seconds=t, gflops=2 * size**3 / t / 1e9)


def epochs(net, x, y, batch, count):
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss(reduction="sum")
    times = []
    for e in range(1 + count):
        sync()
        t = time.perf_counter()
        order = torch.randperm(N, device=DEV)
        total = torch.zeros((), device=DEV)
        hits = torch.zeros((), device=DEV)
        for s in range(0, N, batch):
            j = order[s : s + batch]
            logits = net(x[j])
            loss = loss_fn(logits, y[j])
            total += loss.detach()
            hits += (logits.argmax(1) == y[j]).sum()
            opt.zero_grad(set_to_none=True)
            (loss / len(j)).backward()
            opt.step()
        total.item(), hits.item()  # the one read of the epoch
        if e > 0:
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.manual_seed(0)
    report(bench="device", name=torch.cuda.get_device_name(0) if DEV == "cuda" else "cpu")
    for size in (1024, 4096):
        sgemm(size, 20 if DEV == "cuda" else 2)
    y = torch.arange(N, device=DEV) % 36
    x = torch.rand(N, 1024, device=DEV)
    for batch in (32, 256):
        net = nn.Sequential(nn.Linear(1024, 64), nn.Sigmoid(), nn.Linear(64, 36)).to(DEV)
        report(bench="mlp_epoch", batch=batch, samples=N, seconds=epochs(net, x, y, batch, 5))
    images = x.reshape(N, 1, 32, 32)
    net = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 8 * 8, 36),
    ).to(DEV)
    report(bench="cnn_epoch", batch=64, samples=N, seconds=epochs(net, images, y, 64, 3 if DEV == "cuda" else 1))


if __name__ == "__main__":
    main()
