"""himalaya anchor for bench/bench_encoding.c (bench/run_encoding.sh runs both).

    python bench/anchor_himalaya.py --kind ridge|kernel --n 2880 --p 1000 --t 20000 \
        --out DIR [--dtype float32|float64] [--batch 2000]

Makes the data (numpy seed 0: X Gaussian, Y = X[:, :50] B * s_j + noise
with s_j log-uniform so the chosen alphas spread), saves DIR/X.npy and
DIR/Y.npy in float64 for lacus, fits himalaya 0.4.11 (numpy backend) with 10
alphas logspace(-2, 7) and cv=5 (contiguous KFold) on the data cast to
--dtype, and saves the chosen alphas in DIR/alphas.npy. Only the fit is
timed (for kernel ridge: the linear kernel and the fit, as KernelRidgeCV
computes it). Prints one line: anchor kind=.. seconds=.. peak_mb=..
"""
import argparse
import os
import resource
import time

import numpy as np
from himalaya.backend import set_backend
from himalaya.kernel_ridge import KernelRidgeCV
from himalaya.ridge import RidgeCV

ap = argparse.ArgumentParser()
ap.add_argument("--kind", choices=["ridge", "kernel"], default="ridge")
ap.add_argument("--n", type=int, default=2880)
ap.add_argument("--p", type=int, default=1000)
ap.add_argument("--t", type=int, default=20000)
ap.add_argument("--dtype", default="float32")
ap.add_argument("--batch", type=int, default=2000)
ap.add_argument("--out", required=True)
a = ap.parse_args()
set_backend("numpy")
os.makedirs(a.out, exist_ok=True)
rng = np.random.default_rng(0)
X = rng.standard_normal((a.n, a.p))
q = min(a.p, 50)
B = rng.standard_normal((q, a.t)) / np.sqrt(q)
s = 10 ** rng.uniform(-1.5, 1.0, a.t)
Y = X[:, :q] @ B * s + rng.standard_normal((a.n, a.t))
np.save(os.path.join(a.out, "X.npy"), X)
np.save(os.path.join(a.out, "Y.npy"), Y)
Xd, Yd = X.astype(a.dtype), Y.astype(a.dtype)
del B
alphas = np.logspace(-2, 7, 10)
params = dict(n_targets_batch=a.batch, n_targets_batch_refit=a.batch)
t0 = time.perf_counter()
if a.kind == "ridge":
    m = RidgeCV(alphas=alphas, cv=5, solver_params=params).fit(Xd, Yd)
else:
    m = KernelRidgeCV(alphas=alphas, cv=5, kernel="linear", solver_params=params).fit(Xd, Yd)
secs = time.perf_counter() - t0
np.save(os.path.join(a.out, "alphas.npy"), np.asarray(m.best_alphas_, dtype=np.float64))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"anchor kind={a.kind} N={a.n} P={a.p} T={a.t} dtype={a.dtype} seconds={secs:.3f} "
      f"peak_mb={peak:.0f} load1={os.getloadavg()[0]:.2f}")
