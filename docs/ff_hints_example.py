"""Data and score for docs/force.md's hints example (the interval-timing
task of bench/ff_hints.py): `make` writes u/y/h for 120 training trials and
u/y for 60 test trials as .npz (one array per trial); `score PRED.npz`
prints the test NRMSE (1 = no better than silence)."""
import sys

import numpy as np

DELAY, T, WIDTH, SD = 300, 550, 10, 15.0


def trials(n, rng):
    t = np.arange(T)
    out = {"u": [], "y": [], "h": []}
    for _ in range(n):
        t0 = int(rng.integers(40, 160))
        out["u"].append((((t >= t0) & (t < t0 + WIDTH)).astype(float))[:, None])
        out["y"].append(np.exp(-0.5 * ((t - t0 - DELAY) / SD) ** 2)[:, None])
        out["h"].append((np.clip((t - t0) / DELAY, 0, None) * (t <= t0 + DELAY))[:, None])
    return out


if sys.argv[1] == "make":
    rng = np.random.default_rng(2018)
    tr, te = trials(120, rng), trials(60, rng)
    for k in ("u", "y", "h"):
        np.savez(f"train_{k}.npz", *tr[k])
    for k in ("u", "y"):
        np.savez(f"test_{k}.npz", *te[k])
else:
    with np.load(sys.argv[2]) as p, np.load("test_y.npz") as y:
        e = np.concatenate([p[k] - y[k] for k in y.files])
        t = np.concatenate([y[k] for k in y.files])
    print(f"{sys.argv[2]}: test NRMSE {np.sqrt(np.mean(e ** 2) / np.mean(t ** 2)):.3f}")
