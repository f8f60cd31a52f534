"""The handout's Q5 autoencoder in NumPy (float64), as the reference for apps/q5.

Usage: python3 q5_numpy.py SEED fixed|reshuffle [DIR]
DIR holds nist_train.f32 and nist_valid.f32 from export_nist.ts (default /tmp).
Prints the seed, the batching and the mean validation PSNR.
"""
import numpy as np, sys
seed = int(sys.argv[1]); fixed = sys.argv[2] == "fixed"
DIR = sys.argv[3] if len(sys.argv) > 3 else "/tmp"
np.random.seed(seed)
tr = np.fromfile(DIR + '/nist_train.f32', dtype=np.float32).reshape(-1, 1024).astype(np.float64)
va = np.fromfile(DIR + '/nist_valid.f32', dtype=np.float32).reshape(-1, 1024).astype(np.float64)
def init(i, o):
    b = np.sqrt(6) / np.sqrt(i + o); return np.random.uniform(-b, b, (i, o)), np.zeros(o)
P = {}
for name, (i, o) in [('layer1', (1024, 32)), ('hidden', (32, 32)), ('hidden2', (32, 32)), ('output', (32, 1024))]:
    P['W' + name], P['b' + name] = init(i, o)
M = {k: np.zeros_like(v) for k, v in P.items()}
acts = [('layer1', 'relu'), ('hidden', 'relu'), ('hidden2', 'relu'), ('output', 'sig')]
def fwd(x):
    cache = []; h = x
    for n, a in acts:
        pre = h @ P['W' + n] + P['b' + n]
        post = np.maximum(pre, 0) if a == 'relu' else 1 / (1 + np.exp(-pre))
        cache.append((h, post)); h = post
    return h, cache
def batches(n, bs):
    idx = np.random.permutation(n); return [idx[i:i + bs] for i in range(0, n, bs)]
lr = 3e-5; bs = 36
B = batches(len(tr), bs)
for itr in range(100):
    if not fixed: B = batches(len(tr), bs)
    for j in B:
        xb = tr[j]; out, cache = fwd(xb)
        d = 2 * (out - xb)
        G = {}
        for (n, a), (h, post) in zip(reversed(acts), reversed(cache)):
            d = d * (post * (1 - post) if a == 'sig' else (post > 0))
            G['W' + n] = h.T @ d; G['b' + n] = d.sum(0)
            d = d @ P['W' + n].T
        for k in P:
            M[k] = 0.9 * M[k] - lr * G[k]; P[k] += M[k]
    if itr % 20 == 19: lr *= 0.9
out, _ = fwd(va)
mse = ((out - va) ** 2).mean(1)
print(seed, "fixed" if fixed else "reshuffle", (10 * np.log10(1 / mse)).mean())
