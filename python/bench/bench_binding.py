"""The Python binding next to the Python libraries researchers use today,
in the same run on the same machine (each measurement in its own child
process, so that its peak memory is its own):

  ridgecv    lacus.brain.RidgeCV vs himalaya 0.4.11 RidgeCV (numpy backend,
             float64), same data, same alphas, same contiguous 5 folds
  generate   lacus.ESN.generate vs ReservoirPy 0.4.2's closed loop written
             by hand (y = esn(y)), N = 1000 units
  rls        lacus.ESN.fit_online(method="rls") vs ReservoirPy's
             (Reservoir >> RLS).partial_fit, stepped together, N = 500
  overhead   one ctypes call per step (Reservoir.run on 1 row, reset=False)
             vs one call for the whole sequence, N = 100

    /work/venv-python/bin/python python/bench/bench_binding.py [--quick]

(venv: tests/ref/requirements-python.txt). Prints one line per
measurement with seconds, the ratio, the child's peak RSS and the 1-minute
load average; timings under load are reported with the load beside them.
"""

import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..")))


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def part_ridgecv(side, quick):
    n, p, t = (600, 200, 500) if quick else (1200, 300, 2000)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, p))
    B = rng.standard_normal((50, t)) / np.sqrt(50)
    Y = X[:, :50] @ B * 10 ** rng.uniform(-1.5, 1.0, t) + rng.standard_normal((n, t))
    alphas = np.logspace(-2, 7, 10)
    if side == "lacus":
        import lacus
        t0 = time.perf_counter()
        m = lacus.brain.RidgeCV(alphas=alphas, n_folds=5).fit(X, Y)
        sec = time.perf_counter() - t0
        best = m.best_alphas_
    else:
        from himalaya.backend import set_backend
        from himalaya.ridge import RidgeCV
        set_backend("numpy")
        t0 = time.perf_counter()
        m = RidgeCV(alphas=alphas, cv=5).fit(X, Y)
        sec = time.perf_counter() - t0
        best = np.asarray(m.best_alphas_)
    np.save(os.environ["BENCH_TMP"] + "/alphas_%s.npy" % side, best)
    # flops of the SVD path: 5 folds x (SVD n_tr p^2 + 2 scans) + refit, rough
    return dict(seconds=sec, shape="n=%d p=%d t=%d alphas=10 folds=5" % (n, p, t))


def part_generate(side, quick):
    N, K = 1000, (1000 if quick else 3000)
    s = np.sin(np.arange(3000) / 10.0)[:, None]
    if side == "lacus":
        import lacus
        esn = lacus.ESN(units=N, sr=0.9, lr=0.3, ridge=1e-6, input_dim=1, seed=1)
        esn.fit(s[:-1], s[1:], warmup=100)
        t0 = time.perf_counter()
        esn.generate(s[:200], K)
        sec = time.perf_counter() - t0
    else:
        from reservoirpy.nodes import Reservoir, Ridge
        esn = Reservoir(N, sr=0.9, lr=0.3, seed=1) >> Ridge(ridge=1e-6)
        esn.fit(s[:-1], s[1:], warmup=100)
        t0 = time.perf_counter()
        y = esn.run(s[:200])[-1]  # ReservoirPy 0.4.2 steps take 1-D arrays
        for _ in range(K - 1):
            y = esn(y)
        sec = time.perf_counter() - t0
    return dict(seconds=sec, shape="N=%d steps=%d" % (N, K))


def part_rls(side, quick):
    N, T = 500, (1000 if quick else 3000)
    s = np.sin(np.arange(T + 1) / 10.0)[:, None]
    u, y = s[:-1], s[1:]
    if side == "lacus":
        import lacus
        esn = lacus.ESN(units=N, sr=0.9, lr=0.3, input_dim=1, seed=42)
        t0 = time.perf_counter()
        esn.fit_online(u, y, method="rls", alpha=1e-6)
        sec = time.perf_counter() - t0
    else:
        from reservoirpy.nodes import RLS, Reservoir
        model = Reservoir(N, sr=0.9, lr=0.3, seed=42) >> RLS(alpha=1e-6)
        t0 = time.perf_counter()
        model.partial_fit(u, y)
        sec = time.perf_counter() - t0
    return dict(seconds=sec, shape="N=%d T=%d" % (N, T))


def part_overhead(side, quick):
    import lacus
    T = 2000 if quick else 10000
    u = np.random.default_rng(0).normal(size=(T, 1))
    r = lacus.Reservoir(units=100, sr=0.9, lr=0.3, input_dim=1, seed=1)
    if side == "lacus":  # one call
        t0 = time.perf_counter()
        r.run(u)
        sec = time.perf_counter() - t0
    else:  # one call per step
        r.run(u[:1])
        t0 = time.perf_counter()
        for t in range(1, T):
            r.run(u[t:t + 1], reset=False)
        sec = time.perf_counter() - t0
    return dict(seconds=sec, shape="N=100 T=%d" % T)


PARTS = {"ridgecv": (part_ridgecv, "himalaya"), "generate": (part_generate, "reservoirpy"),
         "rls": (part_rls, "reservoirpy"), "overhead": (part_overhead, "per-step calls")}


def child(name, side, quick):
    out = PARTS[name][0](side, quick)
    out["peak_mb"] = peak_mb()
    print(json.dumps(out))


def main():
    quick = "--quick" in sys.argv
    import tempfile
    tmp = tempfile.mkdtemp()
    env = dict(os.environ, BENCH_TMP=tmp)
    import lacus
    print("lacus %s (%s), numpy %s, threads %d, OMP_NUM_THREADS=%s" % (
        lacus.__version__, lacus._capi._find_library(), np.__version__,
        lacus.get_num_threads(), os.environ.get("OMP_NUM_THREADS", "unset")))
    for name, (fn, anchor) in PARTS.items():
        res = {}
        for side in ("lacus", "anchor"):
            p = subprocess.run([sys.executable, __file__, "--child", name, side]
                               + (["--quick"] if quick else []),
                               env=env, capture_output=True, text=True)
            if p.returncode != 0:
                print("%s %s failed: %s" % (name, side, p.stderr.strip()[-400:]))
                break
            res[side] = json.loads(p.stdout.strip().splitlines()[-1])
        if len(res) < 2:
            continue
        a, b = res["lacus"], res["anchor"]
        extra = ""
        if name == "ridgecv":
            la, ha = (np.load(os.path.join(tmp, "alphas_%s.npy" % s))
                      for s in ("lacus", "anchor"))
            extra = " alphas_equal=%.4f" % np.mean(np.abs(la - ha) <= 1e-9 * ha)
        print("%-9s %-26s lacus %8.3fs  %-14s %8.3fs  ratio %6.1fx  peak_mb %.0f / %.0f  "
              "load1 %.2f%s" % (name, a["shape"], a["seconds"], anchor, b["seconds"],
                                b["seconds"] / a["seconds"], a["peak_mb"], b["peak_mb"],
                                os.getloadavg()[0], extra))


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], "--quick" in sys.argv)
    else:
        main()
