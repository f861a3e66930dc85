"""FORCE vs full-FORCE vs full-FORCE with hints at small N (issue 3), on the
interval-timing task of DePasquale et al. (2018), in its simplest form: a
brief input pulse arrives at a random time; the network must answer with an
output bump a fixed interval later, with no input in between. The hint (the
paper's choice for timing tasks) is a ramp rising from the pulse to the
answer, fed to the target-generating network only.

  PYTHONPATH=python LACUS_LIBRARY=build/liblacus.so python3 bench/ff_hints.py \\
      [--units 50 100 200] [--seeds 5] [--train 120] [--test 60]

Each (N, seed) builds one reservoir (g = 1.5, lr = dt/tau = 0.1, feedback
and input weights U-style from lacus's draws) and trains it three ways from
the same draw; the score is the NRMSE of the output over all test trials
(fresh pulse times), 1 = no better than silence. Prints one line per run
and the median per method and N, with the load average.
"""
import argparse
import os
import time

import numpy as np

import lacus

WIDTH, SD = 10, 15.0
T_TRIAL, DELAY = 400, 150  # --delay sets DELAY and T_TRIAL = DELAY + 250


def trials(n, rng):
    u, y, h = [], [], []
    t = np.arange(T_TRIAL)
    for _ in range(n):
        t0 = int(rng.integers(40, 160))
        ui = ((t >= t0) & (t < t0 + WIDTH)).astype(float)
        yi = np.exp(-0.5 * ((t - t0 - DELAY) / SD) ** 2)
        hi = np.clip((t - t0) / DELAY, 0, None) * (t <= t0 + DELAY)
        u.append(ui[:, None])
        y.append(yi[:, None])
        h.append(hi[:, None])
    return u, y, h


def model(units, seed):
    return lacus.ESN(units=units, sr=1.5, lr=0.1, input_scaling=1.0, input_connectivity=1.0,
                     feedback=1, fb_scaling=1.0, warmup=10, input_dim=1, seed=seed)


def score(esn, u, y):
    pred = esn.run(u)
    e = np.concatenate([p - t for p, t in zip(pred, y)])
    tt = np.concatenate(y)
    return float(np.sqrt(np.mean(e ** 2) / np.mean(tt ** 2)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, nargs="+", default=[50, 100, 200])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--train", type=int, default=120)
    ap.add_argument("--test", type=int, default=60)
    ap.add_argument("--alpha", type=float, default=1.0)
    ap.add_argument("--delay", type=int, default=150, help="steps from pulse to answer")
    ap.add_argument("--hint-scaling", type=float, default=1.0)
    a = ap.parse_args()
    global T_TRIAL, DELAY
    DELAY, T_TRIAL = a.delay, a.delay + 250
    rng = np.random.default_rng(2018)
    u, y, h = trials(a.train, rng)
    ut, yt, _ = trials(a.test, rng)
    for n in a.units:
        res = {"force": [], "full-force": [], "full-force+hints": []}
        for seed in range(1, a.seeds + 1):
            line = []
            for meth in res:
                esn = model(n, seed)
                t0 = time.perf_counter()
                try:
                    if meth == "force":
                        esn.force(u, y, alpha=a.alpha)
                    elif meth == "full-force":
                        esn.full_force(u, y, alpha=a.alpha)
                    else:
                        esn.full_force(u, y, alpha=a.alpha, hints=h,
                                       hint_scaling=a.hint_scaling, hint_seed=seed)
                    s = score(esn, ut, yt)
                except lacus.LacusError as e:  # divergence counts as a failure
                    s = float("inf")
                    print(f"  {meth}: {e}")
                res[meth].append(s)
                line.append(f"{meth}={s:.3f} ({time.perf_counter() - t0:.1f} s)")
            print(f"ff_hints units={n} delay={DELAY} seed={seed} " + " ".join(line)
                  + f" load1={os.getloadavg()[0]:.2f}", flush=True)
        print(f"ff_hints_summary units={n} delay={DELAY} seeds={a.seeds} "
              + " ".join(f"median_{m}={np.median(v):.3f}" for m, v in res.items())
              + " wins_hints_over_full=%d/%d" % (
                  sum(x < y for x, y in zip(res["full-force+hints"], res["full-force"])), a.seeds)
              + f" load1={os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
