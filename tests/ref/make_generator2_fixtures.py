#!/usr/bin/env python3
"""Fixtures for lacus_lorenz96 and lacus_kuramoto_sivashinsky, made by
ReservoirPy 0.4.2's reservoirpy.datasets.lorenz96 / kuramoto_sivashinsky.

Cases (see tests/ref/README.md):
  l96_default      lorenz96(150)                      (N = 36, h = 0.01)
  l96_custom       lorenz96(300, warmup=50, N=5, F=10, h=0.1, x0=l96_custom_x0)
  l96_long         lorenz96(400, N=8, h=0.3)          (t_end = 36: chaotic range)
  ks_default       kuramoto_sivashinsky(40)           (N = 128, M = 16, h = 0.25)
  ks_custom        kuramoto_sivashinsky(300, warmup=100, N=32, M=8, h=0.5, x0=ks_custom_x0)
  ks_long_stats    statistics of kuramoto_sivashinsky(3000, warmup=1000):
                   [mean, std, min, max] of all values (a 1 x 4 row)

Regenerate (from the repository root):

    .venv-ref/bin/python tests/ref/make_generator2_fixtures.py
"""

import os
import sys

import numpy as np
import scipy

import reservoirpy
from reservoirpy import datasets as D

EXPECTED = {"reservoirpy": "0.4.2", "numpy": "2.4.6", "scipy": "1.17.1"}

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "fixtures", "datasets"))


def check_versions():
    got = {"reservoirpy": reservoirpy.__version__, "numpy": np.__version__,
           "scipy": scipy.__version__}
    bad = {k: (got[k], v) for k, v in EXPECTED.items() if got[k] != v}
    if bad:
        msg = ", ".join(f"{k} {g} (pinned {w})" for k, (g, w) in bad.items())
        if "--any-version" not in sys.argv:
            sys.exit(f"make_generator2_fixtures.py: version mismatch: {msg}; "
                     "install tests/ref/requirements.txt or pass --any-version")
        print(f"warning: version mismatch: {msg}", file=sys.stderr)


def save(name, a):
    a = np.ascontiguousarray(np.asarray(a, dtype=np.float64))
    if a.ndim == 1:
        a = a.reshape(1, -1) if name.endswith("_stats") else a.reshape(-1, 1)
    assert np.all(np.isfinite(a)), name
    np.save(os.path.join(OUT, name + ".npy"), a)


def main():
    check_versions()
    os.makedirs(OUT, exist_ok=True)

    save("l96_default", D.lorenz96(150))
    x0 = np.array([1.0, 2.0, -1.5, 0.5, 3.0])
    save("l96_custom_x0", x0)
    save("l96_custom", D.lorenz96(300, warmup=50, N=5, F=10.0, h=0.1, x0=x0))
    save("l96_long", D.lorenz96(400, N=8, h=0.3))

    save("ks_default", D.kuramoto_sivashinsky(40))
    x0 = np.cos(np.linspace(0, 2 * np.pi, 32, endpoint=False)) \
        + 0.1 * np.random.default_rng(3).standard_normal(32)
    save("ks_custom_x0", x0)
    save("ks_custom", D.kuramoto_sivashinsky(300, warmup=100, N=32, M=8, h=0.5, x0=x0))
    long = D.kuramoto_sivashinsky(3000, warmup=1000)
    save("ks_long_stats", np.array([long.mean(), long.std(), long.min(), long.max()]))


if __name__ == "__main__":
    main()
