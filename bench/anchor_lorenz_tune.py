"""Lorenz-63 ESN forecast (issue 3): tune with `lacus search`, then score the
valid prediction time (VPT) in closed loop, lacus next to ReservoirPy 0.4.2
with the same hyperparameters.

Data as bench/anchor_chaos.py (lacus data lorenz, h = 0.03, z-scored on the
training part; lambda_max = 0.9056): 500 transient steps dropped, training
[0, 5000), validation [5000, 9000), test [9000, ...).

1. `lacus search` (TPE; its loss is the teacher-forced one-step NRMSE on the
   validation segment) over sr, lr, input_scaling, bias and ridge at N = 500.
2. The `--top` best trials are re-scored in closed loop: median VPT over
   `--starts` forecasts from the validation segment (2 reservoirs each),
   because the one-step loss does not rank closed-loop skill reliably.
3. The winner's test VPT: median over `--starts` forecasts (every 300 steps
   from step 9000) for each of `--seeds` reservoirs, lacus and ReservoirPy.

    PYTHONPATH=python LACUS_LIBRARY=build/liblacus.so /work/refenv/bin/python \\
        bench/anchor_lorenz_tune.py --lacus build/lacus [--trials 40] [--seeds 5]
"""
import argparse
import json
import os
import subprocess
import tempfile
import time

import numpy as np

DT, LYAP, EPS = 0.03, 0.9056, 0.5
SKIP, TRAIN, VAL_END, WARM, K = 500, 5000, 9000, 100, 600


def vpt(pred, truth):
    err = np.sqrt(np.mean((pred - truth) ** 2, axis=1))
    bad = np.nonzero(err >= EPS)[0]
    return int(bad[0]) if len(bad) else len(err)


def lacus_vpts(hp, s, starts, seed):
    import lacus
    esn = lacus.ESN(units=hp["units"], lr=hp["lr"], sr=hp["sr"], input_scaling=hp["input_scaling"],
                    rc_connectivity=hp["rc_connectivity"], input_connectivity=1.0,
                    bias_scaling=hp.get("bias", 0.0), ridge=hp["ridge"], warmup=100, input_dim=3,
                    seed=seed)
    esn.fit(s[:TRAIN], s[1:TRAIN + 1])
    out = []
    for t in starts:
        try:
            g = esn.generate(s[t - WARM:t], K)
            out.append(vpt(g, s[t:t + K]))
        except Exception:  # a diverging loop: VPT is where it broke, at worst 0
            out.append(0)
    return out


def rpy_vpts(hp, s, starts, seed):
    from reservoirpy.mat_gen import bernoulli
    from reservoirpy.nodes import Reservoir, Ridge
    # lacus's "bias" is the gain of a +-1 (bernoulli, every unit) bias.
    res = Reservoir(hp["units"], lr=hp["lr"], sr=hp["sr"], input_scaling=hp["input_scaling"],
                    rc_connectivity=hp["rc_connectivity"], input_connectivity=1.0,
                    bias=bernoulli(connectivity=1.0, input_scaling=hp.get("bias", 0.0)),
                    seed=seed)
    esn = res >> Ridge(ridge=hp["ridge"])
    esn.fit(s[:TRAIN], s[1:TRAIN + 1], warmup=100)
    out = []
    for t in starts:
        res.reset()
        yk = esn.run(s[t - WARM:t])[-1]
        g = [yk]
        for _ in range(1, K):
            yk = esn(yk)
            g.append(yk)
        out.append(vpt(np.vstack(g), s[t:t + K]))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lacus", default="build/lacus")
    ap.add_argument("--trials", type=int, default=40)
    ap.add_argument("--top", type=int, default=6)
    ap.add_argument("--starts", type=int, default=8)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--units", type=int, default=500)
    a = ap.parse_args()
    binary = os.path.abspath(a.lacus)
    n_steps = VAL_END + 300 * a.starts + K + SKIP + 10
    with tempfile.TemporaryDirectory() as tmp:
        p = lambda n: os.path.join(tmp, n)  # noqa: E731
        subprocess.run([binary, "data", "lorenz", "--steps", str(n_steps), "--output", p("l.npy")],
                       check=True, capture_output=True)
        s = np.load(p("l.npy"))[SKIP:]
        mu, sd = s[:TRAIN + 1].mean(0), s[:TRAIN + 1].std(0)
        s = (s - mu) / sd
        np.save(p("u.npy"), s[:TRAIN])
        np.save(p("y.npy"), s[1:TRAIN + 1])
        np.save(p("uv.npy"), s[TRAIN:VAL_END - 1])
        np.save(p("yv.npy"), s[TRAIN + 1:VAL_END])
        fixed = dict(units=a.units, rc_connectivity=0.02, input_connectivity=1.0, warmup=100)
        json.dump({"model": "esn", "esn": fixed, "input": "u.npy", "target": "y.npy",
                   "output": "m.npz", "threads": 2}, open(p("esn.json"), "w"))
        space = {"sr": ["log-uniform", 0.3, 1.5], "lr": ["log-uniform", 0.1, 1.0],
                 "input_scaling": ["log-uniform", 0.05, 1.5], "bias": ["uniform", 0.0, 1.0],
                 "ridge": ["log-uniform", 1e-10, 1e-3]}
        json.dump({"config": "esn.json", "validation": {"input": "uv.npy", "target": "yv.npy"},
                   "space": space, "method": "tpe", "trials": a.trials, "instances": 2,
                   "batch": 1, "seed": 1234, "results": "search.jsonl"}, open(p("s.json"), "w"))
        t0 = time.perf_counter()
        subprocess.run([binary, "search", p("s.json")], check=True, capture_output=True, cwd=tmp)
        trials = [json.loads(l) for l in open(p("search.jsonl"))]
        print(f"lorenz_search trials={len(trials)} seconds={time.perf_counter() - t0:.1f} "
              f"load1={os.getloadavg()[0]:.2f}", flush=True)
        trials.sort(key=lambda r: r["loss"])
        val_starts = list(range(TRAIN + 300, VAL_END - K, (VAL_END - K - TRAIN - 300) // a.starts))
        val_starts = val_starts[:a.starts]
        best = None
        for r in trials[:a.top]:
            hp = dict(fixed, **r["params"])
            v = lacus_vpts(hp, s, val_starts, 42) + lacus_vpts(hp, s, val_starts, 43)
            med = float(np.median(v)) * DT * LYAP
            print(f"lorenz_val trial={r['trial']} loss_one_step={r['loss']:.4g} "
                  f"params={json.dumps(r['params'])} median_val_vpt_lyapunov={med:.2f}", flush=True)
            if best is None or med > best[0]:
                best = (med, hp)
        hp = best[1]
        test_starts = [VAL_END + 300 * k for k in range(a.starts)]
        res = {"lacus": [], "reservoirpy": []}
        for seed in range(42, 42 + a.seeds):
            for impl, fn in (("lacus", lacus_vpts), ("reservoirpy", rpy_vpts)):
                t1 = time.perf_counter()
                v = np.median(fn(hp, s, test_starts, seed)) * DT * LYAP
                res[impl].append(v)
                print(f"lorenz_test impl={impl} seed={seed} starts={len(test_starts)} "
                      f"median_vpt_lyapunov={v:.2f} seconds={time.perf_counter() - t1:.1f} "
                      f"load1={os.getloadavg()[0]:.2f}", flush=True)
        print("lorenz_best " + " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                                         for k, v in hp.items()))
        for impl, v in res.items():
            print(f"lorenz_summary impl={impl} seeds={a.seeds} median_vpt_lyapunov="
                  f"{np.median(v):.2f} min={min(v):.2f} max={max(v):.2f}", flush=True)


if __name__ == "__main__":
    main()
