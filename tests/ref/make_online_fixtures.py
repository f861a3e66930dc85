#!/usr/bin/env python3
"""Fixtures for lacus's online readouts (RLS, LMS), made by ReservoirPy 0.4.2.

Each case runs reservoirpy.nodes.RLS or LMS over the same (X, Y) twice:
once row by row (to record the weights after every step and the a-priori
prediction x @ Wout + bias before every step, which is what lacus's
lacus_online_step hands out), and once in a single partial_fit call (to
record what ReservoirPy itself returns: x @ Wout_after + bias_before).

Regenerate (from the repository root):

    python3 -m venv .venv-ref
    .venv-ref/bin/pip install -r tests/ref/requirements.txt
    .venv-ref/bin/python tests/ref/make_online_fixtures.py

Writes tests/fixtures/online/<case>.npz with float64 arrays
  X (T, F), Y (T, O), alpha, forgetting, fit_bias (0-d),
  prior (T, O)      x_t @ Wout_{t-1} + bias_{t-1}
  rpy_pred (T, O)   ReservoirPy's partial_fit return value
  W_hist (T, F*O)   Wout after each step, row-major (F, O) flattened
  b_hist (T, O)     bias after each step
"""

import os
import sys

import numpy as np

import reservoirpy
from reservoirpy.nodes import LMS, RLS

EXPECTED = "0.4.2"
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "fixtures", "online"))

T, F, O = 120, 6, 2

# name: (method, alpha/learning rate, forgetting, fit_bias)
CASES = {
    "rls_bias": ("rls", 1e-2, 1.0, True),
    "rls_forget": ("rls", 1.0, 0.97, True),
    "rls_nobias": ("rls", 0.5, 1.0, False),
    "lms_bias": ("lms", 0.02, 1.0, True),
    "lms_nobias": ("lms", 0.05, 1.0, False),
}


def make_node(method, alpha, forgetting, fit_bias):
    if method == "rls":
        return RLS(alpha=alpha, forgetting=forgetting, fit_bias=fit_bias)
    return LMS(learning_rate=alpha, fit_bias=fit_bias)


def main():
    if reservoirpy.__version__ != EXPECTED and "--any-version" not in sys.argv:
        sys.exit(f"reservoirpy {reservoirpy.__version__}, pinned {EXPECTED} "
                 "(pass --any-version to go on anyway)")
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261123)
    for i, (name, (method, alpha, forgetting, fit_bias)) in enumerate(CASES.items()):
        X = rng.normal(size=(T, F))
        W_true = rng.normal(size=(F, O))
        Y = X @ W_true + np.array([0.7, -1.3]) + 0.1 * rng.normal(size=(T, O))
        if method == "lms":
            X *= 0.5  # keep alpha * |x|^2 well below 2 (LMS stability)
            Y = X @ W_true + np.array([0.7, -1.3]) + 0.1 * rng.normal(size=(T, O))

        node = make_node(method, alpha, forgetting, fit_bias)
        node.initialize(X[:1], Y[:1])
        prior = np.empty((T, O))
        W_hist = np.empty((T, F * O))
        b_hist = np.empty((T, O))
        for t in range(T):
            prior[t] = X[t] @ node.Wout + node.bias
            node.partial_fit(X[t:t + 1], Y[t:t + 1])
            W_hist[t] = np.asarray(node.Wout).reshape(-1)
            b_hist[t] = np.asarray(node.bias).reshape(-1)

        whole = make_node(method, alpha, forgetting, fit_bias)
        rpy_pred = np.asarray(whole.partial_fit(X, Y)).reshape(T, O)
        assert np.allclose(np.asarray(whole.Wout).reshape(-1), W_hist[-1], rtol=0, atol=1e-12)

        np.savez(os.path.join(OUT, name + ".npz"), X=X, Y=Y, alpha=np.array(alpha),
                 forgetting=np.array(forgetting), fit_bias=np.array(float(fit_bias)),
                 prior=prior, rpy_pred=rpy_pred, W_hist=W_hist, b_hist=b_hist)
        print(f"{name}: final |W| = {np.abs(W_hist[-1]).max():.4g}, "
              f"b = {b_hist[-1]}, last prior error {np.abs(prior[-1] - Y[-1]).max():.3g}")


if __name__ == "__main__":
    main()
