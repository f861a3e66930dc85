"""Mackey-Glass (tau = 17) forecasting quality: lacus next to ReservoirPy 0.4.2.

Same data (ReservoirPy's mackey_glass(10000), which lacus reproduces bit for
bit), same protocol and hyperparameters on both sides; each side draws its
own random reservoir from each seed. Train on the first 8000 steps (warm-up
200 dropped), test on the last 2000 - h; direct forecasts (one readout per
horizon h = 1 and 84). Prints NRMSE = rmse / std(test target) (Jaeger's
convention) and rmse / (max - min) (ReservoirPy's default nrmse), mean and
spread over seeds, and the line `quality ...` per horizon.

    bench/.venv/bin/python bench/quality_mackey_glass.py [--lacus build/lacus] [--seeds 5]
"""
import argparse
import re
import statistics
import subprocess
import time

import numpy as np
import reservoirpy
from reservoirpy.datasets import mackey_glass
from reservoirpy.mat_gen import bernoulli
from reservoirpy.nodes import Reservoir, Ridge

HP = dict(units=1000, lr=0.3, sr=1.25, input_scaling=1.0, rc_connectivity=0.01,
          input_connectivity=1.0, ridge=1e-7, warmup=200)
STEPS, TRAIN = 10000, 8000


def reservoirpy_run(x, h, seed):
    """One direct h-step forecast with ReservoirPy; returns (nrmse_std, nrmse_minmax, s)."""
    res = Reservoir(HP["units"], lr=HP["lr"], sr=HP["sr"], input_scaling=HP["input_scaling"],
                    rc_connectivity=HP["rc_connectivity"],
                    input_connectivity=HP["input_connectivity"], bias=bernoulli, seed=seed)
    model = res >> Ridge(ridge=HP["ridge"])
    n_test = STEPS - TRAIN - h
    t0 = time.perf_counter()
    model.fit(x[:TRAIN], x[h:TRAIN + h], warmup=HP["warmup"])
    model.reset()
    pred = model.run(x[:TRAIN + n_test])[TRAIN:]
    secs = time.perf_counter() - t0
    truth = x[TRAIN + h:TRAIN + h + n_test]
    rmse = float(np.sqrt(np.mean((truth - pred) ** 2)))
    return rmse / float(np.std(truth)), rmse / float(np.ptp(truth)), secs


def lacus_run(binary, seed):
    """Both horizons from `lacus demo` (same protocol); {h: (std, minmax, s)}."""
    out = subprocess.run([binary, "demo", "--seed", str(seed)], check=True, capture_output=True,
                         text=True).stdout
    got = {}
    for m in re.finditer(r"horizon +(\d+): test NRMSE (\S+) \(minmax\) +(\S+) \(std\).*? ([\d.]+) s",
                         out):
        got[int(m.group(1))] = (float(m.group(3)), float(m.group(2)), float(m.group(4)))
    return got


def no_worse(lm, ls, rm, rs, n):
    """'yes' when lacus's mean error is below ReservoirPy's plus two standard
    errors of the difference: the draws of W differ, so equal models differ
    by that much by chance."""
    se = ((ls ** 2 + rs ** 2) / n) ** 0.5
    return "yes" if lm <= rm + 2.0 * se else "no"


def summary(values):
    return (statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lacus", default="build/lacus")
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    x = mackey_glass(STEPS)
    x = 2.0 * (x - x.min()) / (x.max() - x.min()) - 1.0
    print(f"# Mackey-Glass tau=17, {STEPS} steps, train {TRAIN}, hyperparameters {HP}, "
          f"seeds 1..{args.seeds}, reservoirpy {reservoirpy.__version__}")
    lac = {h: [] for h in (1, 84)}
    rpy = {h: [] for h in (1, 84)}
    for seed in range(1, args.seeds + 1):
        for h, v in lacus_run(args.lacus, seed).items():
            lac[h].append(v)
        for h in (1, 84):
            rpy[h].append(reservoirpy_run(x, h, seed))
    for h in (1, 84):
        (ls, lss), (rs, rss) = summary([v[0] for v in lac[h]]), summary([v[0] for v in rpy[h]])
        lm, rm = summary([v[1] for v in lac[h]])[0], summary([v[1] for v in rpy[h]])[0]
        lt, rt = summary([v[2] for v in lac[h]])[0], summary([v[2] for v in rpy[h]])[0]
        print(f"quality task=mackey_glass horizon={h} units={HP['units']} seeds={args.seeds} "
              f"lacus_nrmse_std={ls:.3e}+-{lss:.1e} reservoirpy_nrmse_std={rs:.3e}+-{rss:.1e} "
              f"lacus_nrmse_minmax={lm:.3e} reservoirpy_nrmse_minmax={rm:.3e} "
              f"lacus_s={lt:.2f} reservoirpy_s={rt:.2f} "
              f"lacus_no_worse={no_worse(ls, lss, rs, rss, args.seeds)}")


if __name__ == "__main__":
    main()
