#!/usr/bin/env python3
"""Fixtures for lacus's dataset generators and metrics, made by ReservoirPy.

Every series in tests/fixtures/datasets/ is the output of
reservoirpy.datasets (0.4.2) and every metric value the output of
reservoirpy.observables, for the default parameters and for one non-default
parameter set per generator (listed in CASES below and in tests/ref/README.md).
Inputs that lacus takes as arrays (a Mackey-Glass history, a NARMA input, the
metric arrays) are saved beside the outputs. Default-seed cases (Mackey-Glass
history, NARMA input) are *not* given to lacus: they check that lacus draws
the same numbers as numpy.random.default_rng(5555).

Regenerate (from the repository root):

    python3 -m venv .venv-ref
    .venv-ref/bin/pip install -r tests/ref/requirements.txt
    .venv-ref/bin/python tests/ref/make_dataset_fixtures.py

Files are plain .npy (float64, C order), read by the C tests with
lacus_npy_read_matrix; 1-D outputs are saved as (n, 1) columns.
"""

import os
import sys

import numpy as np
import scipy

import reservoirpy
from reservoirpy import datasets as D
from reservoirpy import observables as O

EXPECTED = {"reservoirpy": "0.4.2", "numpy": "2.4.6", "scipy": "1.17.1"}

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "fixtures", "datasets"))

T = 300  # steps of every generated series


def check_versions():
    got = {"reservoirpy": reservoirpy.__version__, "numpy": np.__version__,
           "scipy": scipy.__version__}
    bad = {k: (got[k], v) for k, v in EXPECTED.items() if got[k] != v}
    if bad:
        msg = ", ".join(f"{k} {g} (pinned {w})" for k, (g, w) in bad.items())
        if "--any-version" not in sys.argv:
            sys.exit(f"make_dataset_fixtures.py: version mismatch: {msg}; "
                     "install tests/ref/requirements.txt or pass --any-version")
        print(f"warning: version mismatch: {msg}", file=sys.stderr)


def save(name, a):
    a = np.ascontiguousarray(np.asarray(a, dtype=np.float64))
    if a.ndim == 1:
        a = a.reshape(-1, 1)
    assert np.all(np.isfinite(a)), name
    np.save(os.path.join(OUT, name + ".npy"), a)


def main():
    check_versions()
    os.makedirs(OUT, exist_ok=True)

    # --- Mackey-Glass ------------------------------------------------------
    # Default: ReservoirPy draws the history from default_rng(5555).
    save("mackey_glass_default", D.mackey_glass(T))
    # Drawn history with another seed and delay (lacus: seed = 42, tau = 25).
    save("mackey_glass_seed42", D.mackey_glass(T, tau=25, seed=42))
    # Given history (70 values, the last floor(30 / 0.5) = 60 are used),
    # non-default a, b, n, x0 and h.
    hist = 0.9 + 0.3 * np.random.default_rng(7).random(70)
    save("mackey_glass_history", hist)
    save("mackey_glass_custom", D.mackey_glass(T, tau=30, a=0.25, b=0.12, n=9.65, x0=0.9,
                                               h=0.5, history=hist))

    # --- ODE systems (solve_ivp RK45) ---------------------------------------
    save("lorenz_default", D.lorenz(T))
    save("lorenz_custom", D.lorenz(T, rho=35.0, sigma=9.0, beta=2.5, x0=[0.5, -1.0, 20.0],
                                   h=0.02, rtol=1e-6, atol=1e-9))
    save("multiscroll_default", D.multiscroll(T))
    save("multiscroll_custom", D.multiscroll(T, a=36.0, b=3.5, c=27.0, x0=[0.2, -0.3, 0.4],
                                             h=0.005, max_step=0.002))
    save("doublescroll_default", D.doublescroll(T))
    save("doublescroll_custom", D.doublescroll(T, r1=1.1, r2=3.3, r4=0.2, ir=4e-5, beta=11.0,
                                               x0=[0.3, 0.05, -0.1], h=0.2, first_step=0.01))
    save("rossler_default", D.rossler(T))
    save("rossler_custom", D.rossler(T, a=0.1, b=0.1, c=14.0, x0=[1.0, 1.0, 0.0], h=0.05,
                                     rtol=1e-5, atol=1e-8))
    save("rabinovich_fabrikant_default", D.rabinovich_fabrikant(T))
    save("rabinovich_fabrikant_custom", D.rabinovich_fabrikant(T, alpha=0.98, gamma=0.1,
                                                               x0=[0.1, -0.1, 0.1], h=0.02))

    # --- Maps ----------------------------------------------------------------
    save("logistic_map_default", D.logistic_map(T))
    save("logistic_map_custom", D.logistic_map(T, r=3.7, x0=0.2))
    save("henon_map_default", D.henon_map(T))
    save("henon_map_custom", D.henon_map(T, a=1.2, b=0.25, x0=[0.1, -0.1]))

    # --- NARMA ----------------------------------------------------------------
    u, y = D.narma(T)  # u drawn from default_rng(5555)
    save("narma_default_u", u)
    save("narma_default_y", y)
    order = 10
    u_c = np.random.default_rng(11).uniform(0, 0.5, size=(T + order, 1))
    x0_c = np.array([[0.1], [0.05], [0.2]])
    _, y_c = D.narma(T, order=order, a1=0.3, a2=0.05, b=1.5, c=0.1, x0=x0_c, u=u_c)
    save("narma_custom_u", u_c)
    save("narma_custom_x0", x0_c)
    save("narma_custom_y", y_c)

    # --- MSO -------------------------------------------------------------------
    save("mso2", D.mso2(T))
    save("mso8", D.mso8(T))
    save("mso_custom_raw", D.mso(T, freqs=[0.05, 0.3, 1.7], normalize=False))

    # --- to_forecasting ---------------------------------------------------------
    series = np.arange(40 * 2, dtype=float).reshape(40, 2) ** 1.5
    save("forecast_series", series)
    Xtr, Xte, Ytr, Yte = D.to_forecasting(series, forecast=3, test_size=0.2)
    for name, a in (("Xtr", Xtr), ("Xte", Xte), ("Ytr", Ytr), ("Yte", Yte)):
        save("forecast_" + name, a)

    # --- Metrics ------------------------------------------------------------------
    rng = np.random.default_rng(2024)
    n, k = 200, 3
    t = np.linspace(0, 20, n)[:, None]
    y_true = np.hstack([np.sin(t), 2.0 + np.cos(0.7 * t), 0.5 * t]) + 0.1 * rng.normal(size=(n, k))
    y_pred = y_true + 0.2 * rng.normal(size=(n, k)) + np.array([0.0, 0.1, -0.3])
    save("metrics_y_true", y_true)
    save("metrics_y_pred", y_pred)
    # Rows: the metrics in this order; columns: pooled, then column 0, 1, 2.
    rows = [
        lambda dw: O.mse(y_true, y_pred, dimensionwise=dw),
        lambda dw: O.rmse(y_true, y_pred, dimensionwise=dw),
        lambda dw: O.mae(y_true, y_pred, dimensionwise=dw),
        lambda dw: O.rsquare(y_true, y_pred, dimensionwise=dw),
        lambda dw: O.nrmse(y_true, y_pred, norm="minmax", dimensionwise=dw),
        lambda dw: O.nrmse(y_true, y_pred, norm="var", dimensionwise=dw),
        lambda dw: O.nrmse(y_true, y_pred, norm="mean", dimensionwise=dw),
        lambda dw: O.nrmse(y_true, y_pred, norm="q1q3", dimensionwise=dw),
        lambda dw: O.nrmse(y_true, y_pred, norm_value=2.5, dimensionwise=dw),
        # Pearson r as numpy.corrcoef (what memory_capacity squares).
        lambda dw: (np.array([np.corrcoef(y_true[:, j], y_pred[:, j])[0, 1] for j in range(k)])
                    if dw else np.corrcoef(y_true.ravel(), y_pred.ravel())[0, 1]),
    ]
    table = np.array([np.concatenate([[f(False)], f(True)]) for f in rows])
    save("metrics_expected", table)

    # --- Memory capacity ------------------------------------------------------------
    # Reservoir(W, Win, bias, lr=0.5) >> Ridge(ridge=1e-4), 30 units, one input.
    rng = np.random.default_rng(77)
    N = 30
    W = rng.normal(size=(N, N)) * (rng.random((N, N)) < 0.2)
    W *= 0.9 / np.max(np.abs(np.linalg.eigvals(W)))
    Win = rng.choice([-1.0, 1.0], size=(N, 1))
    bias = np.zeros(N)
    save("mc_W", W)
    save("mc_Win", Win)
    from reservoirpy.nodes import Reservoir, Ridge

    def model():
        return Reservoir(W=W.copy(), Win=Win.copy(), bias=bias.copy(), lr=0.5) >> Ridge(ridge=1e-4)
    # Drawn series: default_rng(1).uniform(-0.8, 0.8, 10 * k_max); test_size 0.2.
    save("mc_seed1_k20", O.memory_capacity(model(), k_max=20, as_list=True, seed=1))
    # Given series, integer test_size.
    series = np.random.default_rng(5).uniform(-1, 1, size=(400, 1))
    save("mc_series", series)
    save("mc_series_k15", O.memory_capacity(model(), k_max=15, as_list=True, series=series,
                                            test_size=60))

    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total / 1024:.0f} KiB, to {OUT}")


if __name__ == "__main__":
    main()
