"""lacus.Ridge(solver="lstsq") (LACUS_SOLVER_LSTSQ) against NumPy's lstsq
fixture (tests/ref/make_ridge_lstsq_fixtures.py) and its error when samples
were not kept.

Run with LACUS_LIBRARY=path/to/liblacus.so (ctest sets it)."""

import os
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..")))

import lacus  # noqa: E402

FIX = os.environ.get("LACUS_FIXTURES") or os.path.normpath(
    os.path.join(HERE, "..", "..", "tests", "fixtures"))
BIAS = {0: "centered", 1: "augmented", 2: "none"}


def test_lstsq_matches_numpy():
    z = np.load(os.path.join(FIX, "force4", "ridge_lstsq.npz"))
    X, Y = z["X"], z["Y"]
    for k in range(int(z["n_cases"])):
        n = int(z["n%d" % k])
        r = lacus.Ridge(ridge=float(z["ridge%d" % k]), bias=BIAS[int(z["bias%d" % k])],
                        solver="lstsq", keep_samples=n)
        r.fit(X[:n], Y[:n])
        W, b = z["W%d" % k], z["b%d" % k]
        # cond(Xc) = 1.7e7: two SVD solves agree to ~cond * eps in W
        assert np.max(np.abs(r.Wout - W)) <= 1e-7 * np.max(np.abs(W))
        fit_l = X[:n] @ r.Wout + r.bias
        fit_n = X[:n] @ W + b
        assert np.max(np.abs(fit_l - fit_n)) <= 1e-11 * np.max(np.abs(Y))
    # The normal equations are far off on this problem (the reason for lstsq).
    p = lacus.Ridge(ridge=0.0, solver="primal")
    p.fit(X, Y)
    assert np.max(np.abs(p.Wout - z["W0"])) > 1e-3 * np.max(np.abs(z["W0"]))


def test_lstsq_needs_kept_samples():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((50, 4)), rng.standard_normal((50, 1))
    r = lacus.Ridge(ridge=0.0, solver="lstsq", keep_samples=10)
    with pytest.raises(lacus.LacusError, match="keep_samples"):
        r.fit(X, Y)
