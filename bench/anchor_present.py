#!/usr/bin/env python3
"""Anchor for bench/bench_present.c: ReservoirPy 0.4.2 and scikit-learn on the
same data (files bench_present wrote into $BENCH_DIR), printing the same
"key=value" lines with impl=reservoirpy / impl=sklearn.

    anchor_present.py classify N [threads]
    anchor_present.py scale [threads]

classify: for each mode, Reservoir(units=N, sr=0.9, lr=0.5,
input_scaling=0.5, seed=42) and Ridge(ridge=1e-3), initialised on the first
sequence before timing. fit_s times what ReservoirPy's Japanese-vowels
tutorial does: reservoir.reset(); states = reservoir.run(list of training
sequences) (each sequence from the zero state); then the readout fit on the
last states, the mean states, or every state with the sequence's one-hot
(Ridge.fit of a list). predict_s times the same run on the test sequences
and the decision (argmax; per-step argmax then np.bincount(...).argmax()).
Best of 3, as bench_present.

scale: StandardScaler().fit(x).transform(x) and
MinMaxScaler(feature_range=(-1, 1)).fit(x).transform(x) on the same matrix,
best of 3.
"""

import os
import sys
import time

import numpy as np


def load1():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def peak_mb():
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def best_of(fn, n=3):
    best, out = 1e300, None
    for _ in range(n):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def classify(N, threads, d):
    import reservoirpy
    from reservoirpy.nodes import Reservoir, Ridge
    z = np.load(os.path.join(d, "vowels_train_x.npz"))
    Xtr = [z[k] for k in sorted(z.files)]
    ytr = np.load(os.path.join(d, "vowels_train_y.npy"))
    z = np.load(os.path.join(d, "vowels_test_x.npz"))
    Xte = [z[k] for k in sorted(z.files)]
    yte = np.load(os.path.join(d, "vowels_test_y.npy"))
    C = 9
    onehot = np.eye(C)[ytr]
    for mode in ("last", "mean", "vote"):
        res = Reservoir(units=N, sr=0.9, lr=0.5, input_scaling=0.5, seed=42)
        ro = Ridge(ridge=1e-3)
        t0 = time.perf_counter()
        res.initialize(Xtr[0])
        init_s = time.perf_counter() - t0

        def fit():
            res.reset()
            S = res.run(Xtr)
            if mode == "last":
                ro.fit(np.array([s[-1] for s in S]), onehot)
            elif mode == "mean":
                ro.fit(np.array([s.mean(axis=0) for s in S]), onehot)
            else:
                ro.fit(S, [np.repeat(onehot[i][None, :], len(s), axis=0) for i, s in enumerate(S)])

        def predict():
            res.reset()
            S = res.run(Xte)
            if mode == "last":
                return ro.run(np.array([s[-1] for s in S])).argmax(axis=1)
            if mode == "mean":
                return ro.run(np.array([s.mean(axis=0) for s in S])).argmax(axis=1)
            return np.array([np.bincount(ro.run(s).argmax(axis=1), minlength=C).argmax() for s in S])

        fit_s, _ = best_of(fit)
        pred_s, pred = best_of(predict)
        acc = float(np.mean(pred == yte))
        print(f"workload=classify impl=reservoirpy mode={mode} N={N} train={len(Xtr)} test={len(Xte)} "
              f"threads={threads} init_s={init_s:.4f} fit_s={fit_s:.4f} predict_s={pred_s:.4f} "
              f"accuracy={acc:.4f} peak_mb={peak_mb():.1f} load1={load1():.2f} "
              f"versions=reservoirpy-{reservoirpy.__version__},numpy-{np.__version__}", flush=True)


def scale(threads, d):
    import sklearn
    from sklearn.preprocessing import MinMaxScaler, StandardScaler
    x = np.load(os.path.join(d, "scale_x.npy"))
    R, C = x.shape
    for kind, make in (("minmax", lambda: MinMaxScaler(feature_range=(-1, 1))), ("zscore", StandardScaler)):
        s, y = best_of(lambda: make().fit(x).transform(x))
        checksum = float(y.ravel()[::97].sum())
        print(f"workload=scale impl=sklearn kind={kind} rows={R} cols={C} threads={threads} "
              f"seconds={s:.4f} GBps={3 * R * C * 8 / 1e9 / s:.2f} checksum={checksum:.6f} "
              f"peak_mb={peak_mb():.1f} load1={load1():.2f} versions=sklearn-{sklearn.__version__}", flush=True)


if __name__ == "__main__":
    d = os.environ.get("BENCH_DIR", ".")
    if len(sys.argv) >= 3 and sys.argv[1] == "classify":
        classify(int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 2, d)
    elif len(sys.argv) >= 2 and sys.argv[1] == "scale":
        scale(int(sys.argv[2]) if len(sys.argv) > 2 else 2, d)
    else:
        sys.exit(__doc__)
