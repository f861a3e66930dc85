"""lacus.brain.RidgeCV with solver="lstsq" (round 6): alpha 0 is
unregularised least squares through the SVD, checked against
np.linalg.lstsq computed here, fold by fold, and the `lacus encode fit
--solver lstsq` command on the same data."""

import os
import subprocess
import sys
import tempfile

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..")))

from lacus import brain  # noqa: E402
from lacus._capi import LacusError  # noqa: E402


def cli():
    lib = os.environ.get("LACUS_LIBRARY")
    path = os.path.join(os.path.dirname(lib), "lacus") if lib else os.path.normpath(
        os.path.join(HERE, "..", "..", "build", "lacus"))
    return path if os.access(path, os.X_OK) else None


def ill_conditioned(n=80, p=10, t=5, cond=1e6, seed=0):
    rng = np.random.default_rng(seed)
    Q1, _ = np.linalg.qr(rng.standard_normal((n, p)))
    Q2, _ = np.linalg.qr(rng.standard_normal((p, p)))
    X = Q1 @ np.diag(np.logspace(0, -np.log10(cond), p)) @ Q2.T
    Y = X @ rng.standard_normal((p, t)) + 1e-4 * rng.standard_normal((n, t))
    return X, Y


def test_alpha0_is_numpy_lstsq():
    X, Y = ill_conditioned()
    m = brain.RidgeCV(alphas=[0.0], solver="lstsq").fit(X, Y)
    ref = np.linalg.lstsq(X, Y, rcond=None)[0]
    # cond 1e6: a backward-stable solve moves the solution by ~cond * eps.
    assert np.max(np.abs(m.coef_ - ref)) / np.max(np.abs(ref)) < 1e-9
    # CV scores: mean held-out -MSE of lstsq on each contiguous fold.
    folds = brain.cv_contiguous(X.shape[0], 5)
    cv = np.zeros(Y.shape[1])
    for f in range(5):
        tr, te = folds != f, folds == f
        P = X[te] @ np.linalg.lstsq(X[tr], Y[tr], rcond=None)[0]
        cv += -np.mean((Y[te] - P) ** 2, axis=0) / 5
    np.testing.assert_allclose(m.cv_score_, cv, rtol=1e-9)


def test_alpha0_refused_without_lstsq():
    X, Y = ill_conditioned()
    with pytest.raises(LacusError, match="needs solver lstsq"):
        brain.RidgeCV(alphas=[0.0, 1.0]).fit(X, Y)


@pytest.mark.skipif(cli() is None, reason="lacus binary not built")
def test_cli_matches_python():
    X, Y = ill_conditioned(n=100, t=4, seed=1)
    with tempfile.TemporaryDirectory() as d:
        np.save(os.path.join(d, "X.npy"), X)
        np.save(os.path.join(d, "Y.npy"), Y)
        out = os.path.join(d, "fit.npz")
        r = subprocess.run([cli(), "encode", "fit", "--features", os.path.join(d, "X.npy"),
                            "--bold", os.path.join(d, "Y.npy"), "--delays", "0",
                            "--test-runs", "0", "--runs", "50,50", "--folds", "2",
                            "--solver", "lstsq", "--alphas", "0,1e-6,1", "--output", out],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        z = np.load(out)
        # The command z-scores features and targets per run, and the folds
        # are the two runs.
        Xz = brain.zscore_runs(X, [50, 50])
        Yz = brain.zscore_runs(Y, [50, 50])
        m = brain.RidgeCV(alphas=[0.0, 1e-6, 1.0], solver="lstsq",
                          folds=np.repeat([0, 1], 50)).fit(Xz, Yz)
        np.testing.assert_array_equal(z["best_alpha"], m.best_alphas_)
        np.testing.assert_allclose(z["coef"], m.coef_, rtol=0, atol=1e-12 * np.abs(m.coef_).max())
