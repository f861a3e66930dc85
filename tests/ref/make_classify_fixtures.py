#!/usr/bin/env python3
"""Sequence-classification fixtures made by ReservoirPy 0.4.2 (the pipeline
of its Japanese-vowels tutorial), for tests/unit/test_classify_golden.c.

Regenerate (from the repository root):

    /work/venv-present/bin/pip install -r tests/ref/requirements-present.txt
    /work/venv-present/bin/python tests/ref/make_classify_fixtures.py

Writes tests/fixtures/present/classify.npz:
  W (N, N), Win (N, I), bias (N), lr, ridge, warmup   a Reservoir given as arrays
  train_k (T_k, I), k < 12; train_labels (12,); test_k, k < 6; test_labels (6,)
  for mode in last, mean, vote:
    <mode>_Wout (N, C), <mode>_bias (C)   Ridge(ridge).fit on the reduced states
    <mode>_scores (6, C)                  test scores (vote: vote fractions)
    <mode>_pred (6,)                      test predictions
Reduction (as lacus documents it): last = states[-1]; mean = states[w:].mean();
vote = every state from w on, with the sequence's one-hot, then per-step
argmax and np.bincount(...).argmax() (ties to the lowest class).

Also tests/fixtures/present/nvar_delay.npz, for the delay-embedding node:
  x (T, F); delay, strides; linear (T, delay * F) = the first delay * F
  columns of NVAR(delay, order=2, strides).run(x) (its linear features).
"""

import os

import numpy as np
import reservoirpy
from reservoirpy.nodes import NVAR, Reservoir, Ridge

OUT = os.path.join(os.path.dirname(__file__), "..", "fixtures", "present")


def main():
    rng = np.random.default_rng(7)
    N, I, C, lr, ridge, warmup = 20, 2, 3, 0.6, 1e-2, 2
    W = rng.normal(size=(N, N)) * (rng.random((N, N)) < 0.3)
    W *= 0.9 / max(abs(np.linalg.eigvals(W)))
    Win = rng.uniform(-1, 1, (N, I))
    bias = rng.uniform(-0.2, 0.2, N)

    def draw(n):
        X, y = [], []
        for i in range(n):
            c = i % C
            T = int(rng.integers(3, 12))
            t = np.arange(T)[:, None]
            x = np.hstack([np.sin(0.5 * (c + 1) * t), np.cos(0.3 * (c + 1) * t)])
            X.append(x + 0.3 * rng.standard_normal((T, I)))
            y.append(c)
        return X, np.array(y)

    Xtr, ytr = draw(12)
    Xte, yte = draw(6)
    res = Reservoir(W=W.copy(), Win=Win.copy(), bias=bias.copy(), lr=lr, activation="tanh")
    res.initialize(Xtr[0])
    res.reset()
    Str = res.run(Xtr)
    res.reset()
    Ste = res.run(Xte)
    onehot = np.eye(C)[ytr]
    out = dict(W=W, Win=Win, bias=bias, lr=np.float64(lr), ridge=np.float64(ridge),
               warmup=np.int64(warmup), train_labels=ytr, test_labels=yte)
    for k, x in enumerate(Xtr):
        out[f"train_{k}"] = x
    for k, x in enumerate(Xte):
        out[f"test_{k}"] = x

    def w_of(T):
        return min(warmup, T - 1)

    for mode in ("last", "mean", "vote"):
        ro = Ridge(ridge=ridge)
        if mode == "last":
            ro.fit(np.array([s[-1] for s in Str]), onehot)
            scores = ro.run(np.array([s[-1] for s in Ste]))
            pred = scores.argmax(axis=1)
        elif mode == "mean":
            ro.fit(np.array([s[w_of(len(s)):].mean(axis=0) for s in Str]), onehot)
            scores = ro.run(np.array([s[w_of(len(s)):].mean(axis=0) for s in Ste]))
            pred = scores.argmax(axis=1)
        else:
            ro.fit([s[w_of(len(s)):] for s in Str],
                   [np.repeat(onehot[i][None, :], len(s) - w_of(len(s)), axis=0) for i, s in enumerate(Str)])
            votes = [np.bincount(ro.run(s[w_of(len(s)):]).argmax(axis=1), minlength=C) for s in Ste]
            scores = np.array([v / v.sum() for v in votes])
            pred = np.array([v.argmax() for v in votes])
        out[f"{mode}_Wout"] = ro.Wout
        out[f"{mode}_bias"] = np.ravel(ro.bias)
        out[f"{mode}_scores"] = scores
        out[f"{mode}_pred"] = pred
        print(mode, "test accuracy", np.mean(pred == yte))
    np.savez(os.path.join(OUT, "classify.npz"), **out)

    x = rng.standard_normal((15, 3))
    k, st = 4, 3
    lin = NVAR(delay=k, order=2, strides=st).run(x)[:, :k * 3]
    np.savez(os.path.join(OUT, "nvar_delay.npz"), x=x, delay=np.int64(k), strides=np.int64(st), linear=lin)
    print("reservoirpy", reservoirpy.__version__, "numpy", np.__version__)


if __name__ == "__main__":
    main()
