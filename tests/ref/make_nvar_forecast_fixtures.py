#!/usr/bin/env python3
"""Fixture for test_nvar_forecast: ReservoirPy 0.4.2's own NVAR closed loop
on Lorenz-63 (the loop of its NG-RC tutorial: `model = NVAR >> Ridge`,
warm-up with `model.run`, then `y = y + model(y)` step by step), against
which lacus_nvar_forecast is checked.

Data: reservoirpy.datasets.lorenz(1600, h=0.025, x0=X0) (solve_ivp RK45 at
its default tolerances, the generator lacus_lorenz reproduces), the history
`hist` = X[200:800] (600 points: 200 warm-up rows + 400 training rows, the
protocol of Gauthier et al. 2021 and bench/nvar_lorenz.py).

Three cases, each saved as <case>_Wout, <case>_bias, <case>_gen:
  inc    NVAR(delay 2, order 2, strides 1), Ridge(2.5e-6) on the increments
         hist[t+1] - hist[t] (the paper's setting), GEN steps of closed loop;
  k3s2   NVAR(delay 3, order 2, strides 2), Ridge(1e-4) on the increments
         (a delay line with gaps: checks the ring indexing of the loop);
  next   NVAR(delay 2, order 2, strides 1), Ridge(1e-6) on the next value
         hist[t+1] itself, y = model(y).
Feature rows t = WARM-1 .. 598 are the training rows (ReservoirPy's
`warmup=WARM-1` on the 599 rows of hist[:-1]). The closed loop starts from
the last history point: model.reset(); model.run(hist), first prediction
hist[-1] + out[-1] (increments) or out[-1] (next value), then each one fed
back through model(y).

Regenerate from the repository root (versions pinned in
tests/ref/requirements-nvar5.txt; /work/refenv has them):

    /work/refenv/bin/python tests/ref/make_nvar_forecast_fixtures.py
"""

import os
import sys

import numpy as np

import reservoirpy
from reservoirpy.datasets import lorenz
from reservoirpy.nodes import NVAR, Ridge

EXPECTED = "0.4.2"
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "fixtures", "nvar5"))
X0 = (17.67715816276679, 12.931379185960404, 43.91404334248268)
DT, WARM, GEN = 0.025, 200, 800
CASES = [("inc", 2, 1, 2.5e-6, True), ("k3s2", 3, 2, 1e-4, True), ("next", 2, 1, 1e-6, False)]


def main():
    if reservoirpy.__version__ != EXPECTED:
        sys.exit("reservoirpy %s, expected %s" % (reservoirpy.__version__, EXPECTED))
    X = lorenz(1600, h=DT, x0=X0)  # rows 800-1599: the forecast horizon
    hist = X[200:800]
    out = dict(hist=hist, truth=X[800:1200], dt=np.float64(DT))
    for name, k, s, ridge, inc in CASES:
        nvar = NVAR(delay=k, order=2, strides=s)
        readout = Ridge(ridge=ridge)
        model = nvar >> readout
        target = hist[1:] - hist[:-1] if inc else hist[1:]
        model.fit(hist[:-1], target, warmup=WARM - 1)
        model.reset()
        run = model.run(hist)
        y = hist[-1] + run[-1] if inc else run[-1].copy()
        gen = np.full((GEN, 3), np.nan)
        gen[0] = y
        for i in range(1, GEN):
            y = y + model(y).ravel() if inc else model(y).ravel()
            if not np.all(np.isfinite(y)):
                break
            gen[i] = y
        out[name + "_Wout"] = np.asarray(readout.Wout)
        out[name + "_bias"] = np.asarray(readout.bias).ravel()
        out[name + "_gen"] = gen
        out[name + "_cfg"] = np.array([k, s, 1 if inc else 0], dtype=np.int64)
        err = np.sqrt(np.mean(((gen - X[800:800 + GEN]) / X.std(axis=0)) ** 2, axis=1))
        vpt = int(np.argmax(~(err <= 0.5))) if np.any(~(err <= 0.5)) else GEN
        print("%s: delay %d strides %d ridge %g (%s): %d finite steps, VPT %d steps"
              % (name, k, s, ridge, "increment" if inc else "next", int(np.sum(np.isfinite(gen[:, 0]))), vpt))
    os.makedirs(OUT, exist_ok=True)
    np.savez(os.path.join(OUT, "nvar_forecast.npz"), **out)


if __name__ == "__main__":
    main()
