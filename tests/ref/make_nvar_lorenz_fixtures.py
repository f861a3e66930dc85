#!/usr/bin/env python3
"""Fixture for test_nvar_lorenz: ReservoirPy 0.4.2's NVAR + Ridge forecasting
Lorenz-63 in closed loop from 10 starts, Gauthier et al. (2021)'s protocol
(bench/nvar_lorenz.py runs the same protocol at 50 starts).

Data: reservoirpy.datasets.lorenz(n, h=0.025, x0=X0) (solve_ivp RK45 at its
default tolerances), which lacus_lorenz reproduces bit for bit
(docs/datasets.md); the fixture keeps every 250th row (`x_check`) so the C
test can check that it regenerated the same series. For start j (offset
o = 200 + 400 j): NVAR(delay 2, order 2, strides 1) on X[o : o + 600] from
an empty delay line; Ridge(ridge) (centred bias) fitted on feature rows
199..598 against the increments X[t+1] - X[t]; then closed loop from the
last training point, each prediction fed back through NVAR.step, for at
most HORIZON steps or until the normalised error
sqrt(mean_i ((xhat_i - x_i) / sigma_i)^2), sigma_i the standard deviation
of component i over the whole series, exceeds 0.5. Saved per start: the VPT
in steps, the first 44 forecast points (one Lyapunov time) and Wout, bias.

Regenerate (from the repository root), pinned in
tests/ref/requirements-force4.txt:

    python3 -m venv /work/venv-force4
    /work/venv-force4/bin/pip install -r tests/ref/requirements-force4.txt
    /work/venv-force4/bin/python tests/ref/make_nvar_lorenz_fixtures.py
"""

import os
import sys

import numpy as np

import reservoirpy
from reservoirpy.datasets import lorenz
from reservoirpy.nodes import NVAR, Ridge

EXPECTED = "0.4.2"
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "fixtures", "force4"))

DT, WARM, TRAIN, OFFSET0, STRIDE, STARTS, HORIZON, LT = 0.025, 200, 400, 200, 400, 10, 1104, 44
X0 = (17.67715816276679, 12.931379185960404, 43.91404334248268)
RIDGE = 2.5e-6


def main():
    if reservoirpy.__version__ != EXPECTED:
        sys.exit("reservoirpy %s, expected %s" % (reservoirpy.__version__, EXPECTED))
    n = OFFSET0 + STRIDE * (STARTS - 1) + WARM + TRAIN + HORIZON + 1
    X = lorenz(n, h=DT, x0=X0)
    sigma = X.std(axis=0)
    vpt = np.zeros(STARTS, dtype=np.int64)
    first = np.full((STARTS, LT, 3), np.nan)
    W = np.zeros((STARTS, 27, 3))
    b = np.zeros((STARTS, 3))
    for j in range(STARTS):
        o = OFFSET0 + STRIDE * j
        seg = X[o:o + WARM + TRAIN]
        nvar = NVAR(delay=2, order=2, strides=1)
        F = nvar.run(seg)
        ro = Ridge(ridge=RIDGE)
        ro.fit(F[WARM - 1:WARM + TRAIN - 1], seg[WARM:] - seg[WARM - 1:-1])
        W[j], b[j] = np.asarray(ro.Wout), np.asarray(ro.bias).ravel()
        truth = X[o + WARM + TRAIN:o + WARM + TRAIN + HORIZON]
        u, f = seg[-1].copy(), F[-1].copy()
        vpt[j] = HORIZON
        for s in range(HORIZON):
            u = u + np.asarray(ro.step(f)).ravel()
            if s < LT:
                first[j, s] = u
            e = (u - truth[s]) / sigma
            if not np.sqrt(np.mean(e * e)) <= 0.5:
                vpt[j] = s
                break
            f = np.asarray(nvar.step(u)).ravel()
        print("start %d (offset %d): VPT %d steps = %.2f Lyapunov times"
              % (j, o, vpt[j], vpt[j] * DT * 0.9056))
    os.makedirs(OUT, exist_ok=True)
    np.savez(os.path.join(OUT, "nvar_lorenz.npz"), x_check=X[::250], n=np.int64(n),
             sigma=sigma, vpt=vpt, first=first, Wout=W, bias=b, ridge=np.float64(RIDGE),
             offsets=np.array([OFFSET0 + STRIDE * j for j in range(STARTS)], dtype=np.int64))
    print("mean VPT %.2f Lyapunov times" % (vpt.mean() * DT * 0.9056))


if __name__ == "__main__":
    main()
