"""Chaotic forecasting anchors, lacus next to ReservoirPy 0.4.2 (issue 3).

Identical data and hyperparameters on both sides; each side draws its own
random reservoir from the same seed (the draws differ between libraries, so
single-seed differences are reservoir luck, not method). Closed-loop
forecast: warm up on the `warm` true steps before the test start, then K
steps fed back. Score: valid prediction time (Vlachas et al. 2020): the
first step where sqrt(mean_i ((yhat_i - y_i) / sigma_i)^2) >= eps, sigma_i the
per-component std of the training data; reported in steps and Lyapunov
times (steps * dt * lambda_max).

  lorenz  Lorenz-63 (lacus data lorenz, h = 0.03, ReservoirPy's equations),
          z-scored; lambda_max = 0.9056.
  ks      Kuramoto-Sivashinsky L = 22 (M = 22 / 2pi), 64 grid points,
          dt = 0.25 (ETDRK4, lacus data kuramoto-sivashinsky), one reservoir;
          lambda_max = 0.043 [unverified: the value quoted for L = 22 by
          Pathak et al. 2018 / Edson et al.].
  mg      Mackey-Glass tau = 17 (lacus data mackey-glass = ReservoirPy's
          mackey_glass), N = 1000, NRMSE84 in closed loop over 20 starting
          points (Jaeger & Haas 2004's measure; their log10 NRMSE84 ~ -4.2).

    /work/refenv/bin/python bench/anchor_chaos.py --lacus build/lacus [--only lorenz|ks|mg] [--seeds 5]

The tuned anchors of round 3 are separate scripts: bench/anchor_mg_jh.py
(Jaeger & Haas's Mackey-Glass protocol) and bench/anchor_lorenz_tune.py
(Lorenz-63 ESN tuned by lacus search); results in docs/quality.md.

Prints one `anchor ...` line per system, implementation and seed, with
seconds, the 1-minute load average and the VPT, then the median per side.
"""
import argparse
import os
import subprocess
import tempfile
import time

import numpy as np

LORENZ = dict(data=["lorenz", "--steps", "8000"], skip=500, train=5000, warm=100, K=600,
              dt=0.03, lyap=0.9056,
              hp=dict(units=500, lr=0.3, sr=1.0, input_scaling=0.5, rc_connectivity=0.02,
                      input_connectivity=1.0, ridge=1e-6, warmup=100))
KS = dict(data=["kuramoto-sivashinsky", "--steps", "9000", "--set", "N=64", "--set", "M=3.5014087480216975",
                "--set", "warmup=1000"],
          skip=0, train=6000, warm=100, K=800, dt=0.25, lyap=0.043,
          hp=dict(units=1000, lr=1.0, sr=0.6, input_scaling=0.5, rc_connectivity=0.005,
                  input_connectivity=1.0, ridge=1e-5, warmup=100))
MG = dict(data=["mackey-glass", "--steps", "10000"], train=8000, warm=200, horizon=84, trials=20,
          hp=dict(units=1000, lr=0.3, sr=1.25, input_scaling=1.0, rc_connectivity=0.01,
                  input_connectivity=1.0, ridge=1e-7, warmup=200))
EPS = 0.5
SEED = 42


def vpt(pred, truth, sigma):
    err = np.sqrt(np.mean(((pred - truth) / sigma) ** 2, axis=1))
    bad = np.nonzero(err >= EPS)[0]
    return int(bad[0]) if len(bad) else len(err)


def reservoirpy_forecast(hp, u, y, warm, K, seed):
    from reservoirpy.nodes import Reservoir, Ridge
    res = Reservoir(hp["units"], lr=hp["lr"], sr=hp["sr"], input_scaling=hp["input_scaling"],
                    rc_connectivity=hp["rc_connectivity"],
                    input_connectivity=hp["input_connectivity"], seed=seed)
    esn = res >> Ridge(ridge=hp["ridge"])
    t0 = time.perf_counter()
    esn.fit(u, y, warmup=hp["warmup"])
    res.reset()
    out = np.empty((K, u.shape[1]))
    yk = esn.run(warm)[-1]
    out[0] = yk
    for k in range(1, K):
        yk = esn(yk)
        out[k] = yk
    return out, time.perf_counter() - t0


def lacus_forecast(binary, hp, u, y, warm, K, tmp, seed):
    for name, a in (("u", u), ("y", y), ("warm", warm)):
        np.save(os.path.join(tmp, name + ".npy"), a)
    model, pred = os.path.join(tmp, "m.npz"), os.path.join(tmp, "gen.npy")
    t0 = time.perf_counter()
    subprocess.run([binary, "fit", "--input", os.path.join(tmp, "u.npy"), "--target",
                    os.path.join(tmp, "y.npy"), "--units", str(hp["units"]), "--lr", str(hp["lr"]),
                    "--sr", str(hp["sr"]), "--input-scaling", str(hp["input_scaling"]),
                    "--rc-connectivity", str(hp["rc_connectivity"]),
                    "--input-connectivity", str(hp["input_connectivity"]),
                    "--ridge", str(hp["ridge"]), "--warmup", str(hp["warmup"]),
                    "--seed", str(seed), "--output", model], check=True, capture_output=True)
    subprocess.run([binary, "run", "--model", model, "--input", os.path.join(tmp, "warm.npy"),
                    "--generate", str(K), "--output", pred], check=True, capture_output=True)
    return np.load(pred), time.perf_counter() - t0


def anchor(name, cfg, binary, tmp, seeds):
    path = os.path.join(tmp, name + ".npy")
    subprocess.run([binary, "data", *cfg["data"], "--output", path], check=True,
                   capture_output=True)
    s = np.load(path)[cfg["skip"]:]
    tr = s[:cfg["train"] + 1]
    mu, sd = tr.mean(axis=0), tr.std(axis=0)
    s = (s - mu) / sd
    u, y = s[:cfg["train"]], s[1:cfg["train"] + 1]
    start = cfg["train"] + 1
    warm = s[start - cfg["warm"]:start]
    truth = s[start:start + cfg["K"]]
    K = len(truth)
    vpts = {"reservoirpy": [], "lacus": []}
    for seed in range(SEED, SEED + seeds):
        for impl in ("reservoirpy", "lacus"):
            if impl == "lacus":
                out, secs = lacus_forecast(binary, cfg["hp"], u, y, warm, K, tmp, seed)
            else:
                out, secs = reservoirpy_forecast(cfg["hp"], u, y, warm, K, seed)
            v = vpt(out, truth, 1.0)  # z-scored: sigma_i = 1 on the training data
            vpts[impl].append(v * cfg["dt"] * cfg["lyap"])
            print(f"anchor system={name} impl={impl} seed={seed} units={cfg['hp']['units']} "
                  f"train={cfg['train']} vpt_steps={v} vpt_lyapunov={vpts[impl][-1]:.3f} eps={EPS} "
                  f"seconds={secs:.3g} load1={os.getloadavg()[0]:.2f}", flush=True)
    for impl, v in vpts.items():
        print(f"anchor_summary system={name} impl={impl} seeds={seeds} "
              f"median_vpt_lyapunov={np.median(v):.3f} min={min(v):.3f} max={max(v):.3f}",
              flush=True)


def mg_anchor(cfg, binary, tmp, seeds):
    """Jaeger & Haas (2004) style NRMSE84: from `trials` starting points in
    the test part, warm up on the `warm` true steps before each, generate
    84 steps in closed loop, and pool the error of the 84th step:
    NRMSE84 = sqrt(mean_trials (yhat_84 - y_84)^2 / var(series))."""
    path = os.path.join(tmp, "mg.npy")
    subprocess.run([binary, "data", *cfg["data"], "--output", path], check=True,
                   capture_output=True)
    s = np.load(path)
    u, y = s[:cfg["train"]], s[1:cfg["train"] + 1]
    H, W = cfg["horizon"], cfg["warm"]
    starts = [cfg["train"] + W + k * 80 for k in range(cfg["trials"])]
    starts = [t for t in starts if t + H <= len(s)]
    var = float(np.var(s))
    for seed in range(SEED, SEED + seeds):
        for impl in ("reservoirpy", "lacus"):
            t0 = time.perf_counter()
            errs = []
            if impl == "reservoirpy":
                from reservoirpy.nodes import Reservoir, Ridge
                hp = cfg["hp"]
                res = Reservoir(hp["units"], lr=hp["lr"], sr=hp["sr"],
                                input_scaling=hp["input_scaling"],
                                rc_connectivity=hp["rc_connectivity"],
                                input_connectivity=hp["input_connectivity"], seed=seed)
                esn = res >> Ridge(ridge=hp["ridge"])
                esn.fit(u, y, warmup=hp["warmup"])
                for t in starts:
                    res.reset()
                    yk = esn.run(s[t - W:t])[-1]
                    for _ in range(1, H):
                        yk = esn(yk)
                    errs.append(float(yk[0] - s[t + H - 1, 0]))
            else:
                out, _ = lacus_forecast(binary, cfg["hp"], u, y, s[starts[0] - W:starts[0]], H, tmp,
                                        seed)
                errs.append(float(out[H - 1, 0] - s[starts[0] + H - 1, 0]))
                model = os.path.join(tmp, "m.npz")
                for t in starts[1:]:
                    np.save(os.path.join(tmp, "warm.npy"), s[t - W:t])
                    pred = os.path.join(tmp, "gen.npy")
                    subprocess.run([binary, "run", "--model", model, "--input",
                                    os.path.join(tmp, "warm.npy"), "--generate", str(H),
                                    "--output", pred], check=True, capture_output=True)
                    errs.append(float(np.load(pred)[H - 1, 0] - s[t + H - 1, 0]))
            nrmse = float(np.sqrt(np.mean(np.square(errs)) / var))
            print(f"anchor system=mackey-glass impl={impl} seed={seed} units={cfg['hp']['units']} "
                  f"trials={len(errs)} nrmse84={nrmse:.3g} log10_nrmse84={np.log10(nrmse):.2f} "
                  f"seconds={time.perf_counter() - t0:.3g} load1={os.getloadavg()[0]:.2f}",
                  flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lacus", default="build/lacus")
    ap.add_argument("--only", choices=["lorenz", "ks", "mg"])
    ap.add_argument("--seeds", type=int, default=5, help="reservoirs per side (seeds 42, 43, ...)")
    a = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        for name, cfg in (("lorenz", LORENZ), ("ks", KS)):
            if a.only in (None, name):
                anchor(name, cfg, os.path.abspath(a.lacus), tmp, a.seeds)
        if a.only in (None, "mg"):
            mg_anchor(MG, os.path.abspath(a.lacus), tmp, a.seeds)


if __name__ == "__main__":
    main()
