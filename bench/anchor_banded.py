"""himalaya anchor for bench/run_banded.sh: banded ridge on the same data as
lacus encode banded (X.npy, Y.npy from lacus encode simulate --bands), the
same split (first 80 % train, contiguous KFold(5) inside) and the same
settings: BandedRidgeCV random search (100 candidates, alphas
logspace(-2, 8, 11)) and the hyper-gradient solver (10 iterations from
delta = 0, himalaya's defaults otherwise). Prints one line per solver:
anchor solver=.. seconds=.. test_r=..
"""
import argparse
import os
import time

import numpy as np
from sklearn.model_selection import KFold
from himalaya.backend import set_backend
from himalaya.kernel_ridge import solve_multiple_kernel_ridge_hyper_gradient
from himalaya.ridge import BandedRidgeCV
from himalaya.scoring import correlation_score

ap = argparse.ArgumentParser()
ap.add_argument("--dir", required=True)
ap.add_argument("--bands", required=True)
a = ap.parse_args()
set_backend("numpy")
X = np.load(os.path.join(a.dir, "X.npy"))
Y = np.load(os.path.join(a.dir, "Y.npy"))
sizes = [int(s) for s in a.bands.split(",")]
edges = np.cumsum([0] + sizes)
n = X.shape[0]
n0 = n - int(round(0.2 * n))
Xtr, Xte, Ytr, Yte = X[:n0], X[n0:], Y[:n0], Y[n0:]
slices = [slice(edges[i], edges[i + 1]) for i in range(len(sizes))]
groups = np.repeat(np.arange(len(sizes)), sizes)  # himalaya: a group label per feature
load = lambda: os.getloadavg()[0]

t0 = time.perf_counter()
m = BandedRidgeCV(groups=groups, cv=KFold(5), random_state=0, solver_params=dict(
    n_iter=100, alphas=np.logspace(-2, 8, 11), progress_bar=False)).fit(Xtr, Ytr)
secs = time.perf_counter() - t0
r = correlation_score(Yte, m.predict(Xte)).mean()
print(f"anchor solver=random_search seconds={secs:.3f} test_r={r:.4f} load1={load():.2f}")

Ks = np.stack([Xtr[:, g] @ Xtr[:, g].T for g in slices])
t0 = time.perf_counter()
deltas, coef, cv = solve_multiple_kernel_ridge_hyper_gradient(
    Ks, Ytr, cv=KFold(5), return_weights="primal", Xs=[Xtr[:, g] for g in slices], initial_deltas=0,
    max_iter=10, progress_bar=False, random_state=0)
secs = time.perf_counter() - t0
r = correlation_score(Yte, Xte @ coef).mean()
print(f"anchor solver=hyper_gradient seconds={secs:.3f} test_r={r:.4f} load1={load():.2f}")
