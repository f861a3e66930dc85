"""Fitting an NVAR forecaster on many sequences: lacus (Python, the command
in one process, and the command sharded over MPI ranks) next to
ReservoirPy 0.4.2's NVAR >> Ridge on the same sequences (issue 3).

Data: Lorenz-63 (lacus.datasets.lorenz, h = 0.025) cut into `--seqs`
sequences of `--steps` steps. Model: NVAR(delay 2, order `--order`,
strides 1) and a ridge readout (centred bias, `--ridge`) trained on the
increments x[t+1] - x[t], the first (delay - 1) * strides rows of each
sequence dropped (ReservoirPy: X = x[:-1], Y = x[1:] - x[:-1], warmup 1).

Times are the fits alone (best of `--repeats`): ReservoirPy's model.fit;
lacus.NVARForecaster.fit; and the fit time the lacus command reports
(features + sums + solve, after loading), in one process and under
`mpirun -np 1` and `-np K` (one thread per rank; the sharded fit adds each
sequence's sums into double-double accumulators, reduced in a fixed
order). Also printed: the largest difference between the weights
(relative to the largest weight; the normal equations of NVAR features
are ill-conditioned, so rounding moves them by up to kappa u) and between
the one-step forecasts of the first sequence (relative to its range),
whether the
K-rank model file equals the 1-rank one byte for byte, GFLOP/s of the
X^T X update (rows x F^2 flops), and the 1-minute load average.

    PYTHONPATH=python LACUS_LIBRARY=build/liblacus.so nice -n 10 \\
        /work/refenv/bin/python bench/nvar_fit.py [--seqs 8 --steps 50000 --order 2 --ranks 2]
"""
import argparse
import os
import re
import shutil
import subprocess
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import lacus  # noqa: E402
from lacus import datasets  # noqa: E402


def best(f, repeats):
    t = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        r = f()
        t.append(time.perf_counter() - t0)
    return min(t), r


def diff_forecast(feats, W, b, model, x):
    """Largest difference between the one-step forecasts x[t] + f[t] W + b
    and the model's, relative to the series' range."""
    other = x + feats @ np.asarray(W) + np.asarray(b).reshape(1, -1)
    return np.abs(other - model.predict(x))[1:].max() / (x.max() - x.min())


def cli_fit(cmd, env):
    """Runs a lacus fit; returns the fit time it reports."""
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    return float(re.search(r" in ([0-9.]+) s ", p.stdout).group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seqs", type=int, default=8)
    ap.add_argument("--steps", type=int, default=50000)
    ap.add_argument("--order", type=int, default=2)
    ap.add_argument("--ridge", type=float, default=1e-3)
    ap.add_argument("--ranks", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-reservoirpy", action="store_true")
    a = ap.parse_args()
    x = datasets.lorenz(a.seqs * a.steps + 500, h=0.025)[500:]
    xs = [np.ascontiguousarray(x[k * a.steps:(k + 1) * a.steps]) for k in range(a.seqs)]
    lib = os.environ.get("LACUS_LIBRARY", "build/liblacus.so")
    exe = os.path.join(os.path.dirname(os.path.abspath(lib)), "lacus")
    load0 = os.getloadavg()[0]

    t_py, m = best(lambda: lacus.NVARForecaster(order=a.order, ridge=a.ridge).fit(xs), a.repeats)
    F, rows = m.n_features, a.seqs * (a.steps - 2)
    gflops = rows * F * F / 1e9
    # One-step forecasts of the first sequence by each model, to compare
    # them where rounding does not blow up (the weights: by up to kappa u).
    x0 = xs[0]
    feats = lacus.NVAR(delay=2, order=a.order, strides=1).run(x0)

    line = {}
    if not a.no_reservoirpy:
        from reservoirpy.nodes import NVAR, Ridge

        def rpy():
            model = NVAR(delay=2, order=a.order, strides=1) >> Ridge(ridge=a.ridge)
            model.fit([s[:-1] for s in xs], [s[1:] - s[:-1] for s in xs], warmup=1)
            return model.nodes[-1]
        t_rpy, ro = best(rpy, a.repeats)
        dw = np.abs(ro.Wout - m.Wout).max() / np.abs(ro.Wout).max()
        line.update(reservoirpy_s="%.4g" % t_rpy, lacus_python_vs_reservoirpy="%.1fx" % (t_rpy / t_py),
                    wout_vs_reservoirpy="%.1e" % dw,
                    forecast_vs_reservoirpy="%.1e" % diff_forecast(feats, ro.Wout, ro.bias, m, x0))

    w = tempfile.mkdtemp(prefix="nvar_fit_")
    try:
        args = []
        for k, s in enumerate(xs):
            np.save(os.path.join(w, "s%d.npy" % k), s)
            args += ["--input", os.path.join(w, "s%d.npy" % k)]
        common = ["fit", "--model", "nvar", "--order", str(a.order), "--ridge", str(a.ridge)] + args
        env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
                   OMP_NUM_THREADS="1", OMP_WAIT_POLICY="PASSIVE")
        out = lambda n: ["--output", os.path.join(w, n)]  # noqa: E731
        t_cli = min(cli_fit([exe] + common + out("p.npz"), env) for _ in range(a.repeats))
        line.update(lacus_cli_s="%.4g" % t_cli)
        if shutil.which("mpirun") and "MPI: yes" in subprocess.run([exe, "--version"], capture_output=True,
                                                                     text=True).stdout:
            mpi = ["mpirun", "--oversubscribe", "--bind-to", "none", "-np"]
            t1 = min(cli_fit(mpi + ["1", exe] + common + out("m1.npz"), env) for _ in range(a.repeats))
            tk = min(cli_fit(mpi + [str(a.ranks), exe] + common + out("mk.npz"), env)
                     for _ in range(a.repeats))
            same = open(os.path.join(w, "m1.npz"), "rb").read() == open(os.path.join(w, "mk.npz"), "rb").read()
            p, q = np.load(os.path.join(w, "p.npz")), np.load(os.path.join(w, "mk.npz"))
            dwk = np.abs(p["Wout"] - q["Wout"]).max() / np.abs(p["Wout"]).max()
            dfk = diff_forecast(feats, q["Wout"], q["bout"], lacus.NVARForecaster.load(
                os.path.join(w, "p.npz")), x0)
            line.update(mpi1_s="%.4g" % t1, **{"mpi%d_s" % a.ranks: "%.4g" % tk},
                        speedup_vs_1_rank="%.2fx" % (t1 / tk),
                        dd_overhead_1_rank="%.2fx" % (t1 / t_cli),
                        **{"mpi%d_equals_mpi1_bytes" % a.ranks: same},
                        **{"wout_mpi%d_vs_one_process" % a.ranks: "%.1e" % dwk},
                        **{"forecast_mpi%d_vs_one_process" % a.ranks: "%.1e" % dfk})
    finally:
        shutil.rmtree(w, ignore_errors=True)
    print("nvar_fit seqs=%d steps=%d order=%d features=%d rows=%d lacus_python_s=%.4g "
          "lacus_python_gflops=%.2f %s threads=1 load1_before=%.2f load1_after=%.2f"
          % (a.seqs, a.steps, a.order, F, rows, t_py, gflops / t_py,
             " ".join("%s=%s" % kv for kv in line.items()), load0, os.getloadavg()[0]))


if __name__ == "__main__":
    main()
