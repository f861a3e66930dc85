#!/usr/bin/env python3
"""Fixture for test_ridge_lstsq: the ridge readout's least-squares solver
(LACUS_SOLVER_LSTSQ) against NumPy's lstsq on the same stacked problems.

X (60, 8) has nearly collinear columns (condition number ~1e6, so the normal
equations' X^T X has ~1e12); Y (60, 2). For each case the reference solves
min || A W - B || with numpy.linalg.lstsq (rcond=None: eps * max(rows, cols)):

  centered:  A = [X - mean(X); sqrt(ridge) I], B = [Y - mean(Y); 0],
             b = mean(Y) - mean(X) W
  augmented: A = [[1, X]; sqrt(ridge) I_9], B = [Y; 0], b = first row
  none:      A = [X; sqrt(ridge) I], B = [Y; 0], b = 0

plus an underdetermined case (5 rows, 8 features, ridge 0: the minimum-norm
solution). Regenerate with the pinned environment of
tests/ref/requirements-force4.txt:

    /work/venv-force4/bin/python tests/ref/make_ridge_lstsq_fixtures.py
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "fixtures", "force4"))
CASES = [("centered", 0.0, 60), ("centered", 1e-6, 60), ("augmented", 1e-3, 60),
         ("none", 0.0, 60), ("centered", 0.0, 5)]


def solve(X, Y, bias, ridge):
    n, F = X.shape
    if bias == "centered":
        mx, my = X.mean(axis=0), Y.mean(axis=0)
        A, B = X - mx, Y - my
    elif bias == "augmented":
        A, B = np.hstack([np.ones((n, 1)), X]), Y
    else:
        A, B = X, Y
    c = A.shape[1]
    if ridge > 0:
        A = np.vstack([A, np.sqrt(ridge) * np.eye(c)])
        B = np.vstack([B, np.zeros((c, Y.shape[1]))])
    W = np.linalg.lstsq(A, B, rcond=None)[0]
    if bias == "centered":
        return W, my - mx @ W
    if bias == "augmented":
        return W[1:], W[0]
    return W, np.zeros(Y.shape[1])


def main():
    if np.__version__ != "2.4.6":
        sys.exit("numpy %s, expected 2.4.6" % np.__version__)
    rng = np.random.default_rng(20261123)
    base = rng.standard_normal((60, 4))
    # 8 columns: 4 independent ones and 4 near-copies (1e-6 apart)
    X = np.hstack([base, base @ rng.standard_normal((4, 4)) + 1e-6 * rng.standard_normal((60, 4))])
    X += 3.0  # a non-zero mean, so the centring matters
    Y = np.column_stack([np.sin(X[:, 0]) + X[:, 5], X[:, 1] * X[:, 2]])
    Y += 0.01 * rng.standard_normal(Y.shape)
    out = {"X": X, "Y": Y, "cond": np.float64(np.linalg.cond(X - X.mean(axis=0)))}
    for k, (bias, ridge, n) in enumerate(CASES):
        W, b = solve(X[:n], Y[:n], bias, ridge)
        out["W%d" % k], out["b%d" % k] = W, b
        out["bias%d" % k] = np.int64({"centered": 0, "augmented": 1, "none": 2}[bias])
        out["ridge%d" % k], out["n%d" % k] = np.float64(ridge), np.int64(n)
    out["n_cases"] = np.int64(len(CASES))
    os.makedirs(OUT, exist_ok=True)
    np.savez(os.path.join(OUT, "ridge_lstsq.npz"), **out)
    print("cond(Xc) = %.3g; %d cases" % (out["cond"], len(CASES)))


if __name__ == "__main__":
    main()
