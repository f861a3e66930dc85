"""Lorenz-63 with NVAR (Gauthier, Bollt, Griffith & Barbosa 2021, Nat.
Commun. 12:5564): valid prediction time over many starts, lacus next to
ReservoirPy 0.4.2 on the same data (issue 3; the goal is VPT >= 4 Lyapunov
times).

The paper's protocol (its code, quantinfo/ng-rc-paper-code, as summarised in
shared/specs/learning_rules.md section 7.2):

- data: Lorenz-63 (sigma 10, beta 8/3, rho 28) sampled every dt = 0.025 from
  x0 = (17.677, 12.931, 43.914). `--data rk23` (default) integrates it as the
  paper's script does: scipy solve_ivp, method RK23, default tolerances
  (rtol 1e-3), samples from the dense output at t_eval. `rk45`: lacus's
  generator (= ReservoirPy's `lorenz`, solve_ivp RK45 at rtol 1e-3).
  `accurate`: DOP853 at rtol 1e-12, atol 1e-12.
- features: NVAR k = 2, s = 1, order 2: 6 linear + 21 quadratic = 27
  features, plus the readout's bias = the paper's 28 (ReservoirPy's and
  lacus's bias is centred and not penalised; the paper's constant is).
- per start: warm-up 5 time units (200 steps), training 10 time units (400
  targets: the increments x[t+1] - x[t] inside the 600 points), ridge; then
  closed loop from the last training point, each prediction fed back into
  the delay line, for up to `--horizon` steps.
- starts: the paper's "10 runs" shift the warm-up by 10 time units (offsets
  5, 15, ..., 95); here `--starts` test starts at offsets 5 + 10 j time
  units of one long trajectory, and `--val-starts` validation starts after
  all of them (offsets 5 + 10 (starts + j)), on which the ridge is chosen.
- metrics: VPT = the number of forecast steps before the first one with
  sqrt(mean_i ((xhat_i - x_i) / sigma_i)^2) > 0.5 (sigma_i: standard
  deviation of component i over the whole trajectory; the criterion of
  Pathak et al. 2018 and Vlachas et al. 2020 used for reservoirs), in
  Lyapunov times steps * dt * 0.9056. The paper itself reports NRMSE over
  one Lyapunov time (44 steps) normalised by the pooled variance
  var(x) + var(y) + var(z) (of the training data): printed as nrmse_1lt.
- ridge selection: every ridge of `--ridges` is scored with lacus on the
  validation starts (median VPT, ties to the larger ridge); the winner and
  the paper's 2.5e-6 are then run on the test starts by both libraries.

Both libraries get the same arrays; the bench also reports the largest
difference between their features (the goal: <= 1e-10) and their readout
weights, and on how many starts their VPTs are equal. lacus's closed loop
runs in C (lacus_nvar_forecast); `--verify-loop` also runs its former
per-step Python loop and counts the starts with the same VPT.

Speed (`nvar_lorenz_speed`, every run; `--speed-only` for just that line):
closed-loop steps per second over `--speed` steps (default 1104, 25
Lyapunov times) after the 600-step warm-up run, best of `--repeats`, on
the first test start whose loop stays finite, with the validated ridge:
lacus's C loop against lacus's per-step Python loop and ReservoirPy
0.4.2's Python loops (its tutorial's `u = u + model(u)` on NVAR >> Ridge,
and the node-level Ridge.step / NVAR.step loop), with the load average.

    PYTHONPATH=python LACUS_LIBRARY=build/liblacus.so nice -n 10 \\
        /work/refenv/bin/python bench/nvar_lorenz.py --speed-only --repeats 20

    PYTHONPATH=python LACUS_LIBRARY=build/liblacus.so nice -n 10 \\
        /work/refenv/bin/python bench/nvar_lorenz.py [--starts 50] [--data rk23]

Prints `nvar_lorenz_*` lines (machine-readable key=value) and, with
`--markdown`, the table of docs/nvar.md.
"""
import argparse
import os
import time

import numpy as np

# 27 features, one row per call: threads cannot help, and on a loaded
# machine each OpenMP/OpenBLAS team wake-up inside lacus_ridge_predict cost
# 16-26 ms per call (measured at load 15; 0.3 ms per call with one thread).
os.environ.setdefault("OMP_NUM_THREADS", "1")

DT = 0.025
LYAP = 0.9056            # largest Lyapunov exponent of Lorenz-63
WARM, TRAIN = 200, 400   # 5 and 10 time units
OFFSET0, STRIDE = 200, 400  # first warm-up at 5 time units, then every 10
X0 = (17.67715816276679, 12.931379185960404, 43.91404334248268)
LT_STEPS = 44            # one Lyapunov time, 1.104 / 0.025


def lorenz_rhs(t, s):
    x, y, z = s
    return [10.0 * (y - x), x * (28.0 - z) - y, x * y - 8.0 / 3.0 * z]


def lorenz_data(kind, n):
    """(n, 3) samples every DT from X0."""
    if kind == "rk45":
        import lacus.datasets
        return lacus.datasets.lorenz(n, h=DT, x0=X0)
    from scipy.integrate import solve_ivp
    t = np.arange(n) * DT
    if kind == "rk23":   # the paper's script
        sol = solve_ivp(lorenz_rhs, (0, t[-1]), X0, t_eval=t, method="RK23")
    else:
        sol = solve_ivp(lorenz_rhs, (0, t[-1]), X0, t_eval=t, method="DOP853",
                        rtol=1e-12, atol=1e-12)
    return np.ascontiguousarray(sol.y.T)


class Lacus:
    name = "lacus"

    bias = "centered"

    def __init__(self, ridge):
        import lacus
        self.nvar = lacus.NVAR(delay=2, order=2, strides=1, input_dim=3)
        self.readout = lacus.Ridge(ridge=ridge, bias=self.bias)

    def features(self, u):
        return self.nvar.run(u, reset=True)

    def fit(self, F, dY):
        self.readout.fit(F, dY)

    def weights(self):
        return self.readout.Wout, self.readout.bias

    def step(self, f):
        """Increment predicted from features f (27,), then the features of
        the new point (the delay line continues). Used only by the
        per-step reference loop of the speed line (--speed)."""
        return self.readout.predict(f[None, :])[0]

    def feed(self, u):
        return self.nvar.run(u[None, :], reset=False)[0]

    def closed_loop(self, n):
        """n steps of closed loop in C (lacus_nvar_forecast) from the delay
        line as features() left it; on divergence, the rows before it."""
        import lacus
        try:
            return self.nvar.forecast(self.readout.Wout, self.readout.bias, n)
        except lacus.LacusError as e:
            if not hasattr(e, "rows"):
                raise
            return e.rows


class LacusStepLoop(Lacus):
    """lacus with the closed loop written in Python, one ctypes call to
    Ridge.predict and one to NVAR.run per step (the bench's lacus side
    before lacus_nvar_forecast): --verify-loop checks that the C loop gives
    the same VPT on every start."""
    name = "lacus_python_loop"
    closed_loop = None


class ReservoirPy:
    name = "reservoirpy"

    def __init__(self, ridge):
        from reservoirpy.nodes import NVAR, Ridge
        self.nvar = NVAR(delay=2, order=2, strides=1)
        self.readout = Ridge(ridge=ridge)

    def features(self, u):
        self.nvar.reset()
        return self.nvar.run(u)

    def fit(self, F, dY):
        self.readout.fit(F, dY)

    def weights(self):
        return np.asarray(self.readout.Wout), np.asarray(self.readout.bias).ravel()

    def step(self, f):
        return np.asarray(self.readout.step(f)).ravel()

    def feed(self, u):
        return np.asarray(self.nvar.step(u)).ravel()


def one_start(impl, X, o, sigma, horizon):
    """Train on the window starting at step o, forecast in closed loop.
    Returns (vpt_steps, nrmse_1lt, features, Wout, b, seconds)."""
    t0 = time.perf_counter()
    seg = X[o:o + WARM + TRAIN]
    F = impl.features(seg)
    # Feature row t (t = WARM-1 .. WARM+TRAIN-2) predicts seg[t+1] - seg[t]:
    # 400 targets inside the 600 points of warm-up + training.
    rows = slice(WARM - 1, WARM + TRAIN - 1)
    dY = seg[WARM:WARM + TRAIN] - seg[WARM - 1:WARM + TRAIN - 1]
    impl.fit(F[rows], dY)
    W, b = impl.weights()
    truth = X[o + WARM + TRAIN:o + WARM + TRAIN + horizon]
    tv = float(np.sum(np.var(seg[WARM:], axis=0)))  # the paper's pooled variance
    if getattr(impl, "closed_loop", None):
        # lacus: the whole loop in C, then the same criteria on its rows (a
        # loop that diverged returns the rows before the NaN/Inf: the VPT is
        # then at most that step, as when the Python loop stops on it).
        gen = impl.closed_loop(len(truth))
        with np.errstate(over="ignore", invalid="ignore"):  # rows near a blow-up
            e = np.sqrt(np.mean(((gen - truth[:len(gen)]) / sigma) ** 2, axis=1))
        bad = np.flatnonzero(~(e <= 0.5))
        vpt = int(bad[0]) if len(bad) else len(gen)
        sq = list(np.sum((gen[:min(vpt + 1, LT_STEPS)] - truth[:min(vpt + 1, LT_STEPS)]) ** 2,
                         axis=1) / 3.0)
    else:
        u, f = seg[-1].copy(), F[-1].copy()
        vpt, sq = len(truth), []
        for s in range(len(truth)):
            u = u + impl.step(f)
            e = (u - truth[s]) / sigma
            if s < LT_STEPS:
                sq.append(np.sum((u - truth[s]) ** 2) / 3.0)
            if not np.sqrt(np.mean(e * e)) <= 0.5:  # also stops on NaN/Inf
                vpt = s
                break
            f = impl.feed(u)
    nrmse = np.sqrt(np.mean(sq) / tv) if len(sq) == LT_STEPS else np.inf
    return vpt, nrmse, F, W, b, time.perf_counter() - t0


def reference_wout(F, dY, ridge):
    """The centred ridge solution by a QR least-squares solve of the stacked
    system [Fc; sqrt(ridge) I] W = [dYc; 0] (NumPy lstsq), which avoids
    squaring the condition number as the normal equations do: the yardstick
    for both libraries' readouts."""
    Fc, Yc = F - F.mean(axis=0), dY - dY.mean(axis=0)
    d = F.shape[1]
    A = np.vstack([Fc, np.sqrt(ridge) * np.eye(d)])
    B = np.vstack([Yc, np.zeros((d, dY.shape[1]))])
    return np.linalg.lstsq(A, B, rcond=None)[0]


def summary(v):
    lt = np.asarray(v, dtype=float) * DT * LYAP
    q1, med, q3 = np.percentile(lt, [25, 50, 75])
    return dict(mean=lt.mean(), median=med, q1=q1, q3=q3, min=lt.min(), max=lt.max(),
                ge4=int(np.sum(lt >= 4.0)))


def speed(X, ridge, steps, repeats, offsets):
    """Closed-loop steps per second on the first test start whose loop does
    not blow up within `steps` (NaN/Inf would stop lacus's loop early and
    flatter it): lacus's C loop
    (lacus_nvar_forecast), lacus's old per-step Python loop (one ctypes
    call to Ridge.predict and one to NVAR.run per step), and ReservoirPy
    0.4.2's Python loops: its NG-RC tutorial's `u = u + model(u)` on
    NVAR >> Ridge, and the node-level loop of this bench (Ridge.step,
    NVAR.step). Every loop runs `steps` steps without stopping (best of
    `repeats`)."""
    import lacus
    rows = slice(WARM - 1, WARM + TRAIN - 1)
    for j, o in enumerate(offsets):
        seg = X[o:o + WARM + TRAIN]
        dY = seg[WARM:] - seg[WARM - 1:-1]
        lc = Lacus(ridge)
        F = lc.features(seg)
        lc.fit(F[rows], dY)
        try:
            lc.nvar.forecast(lc.readout.Wout, lc.readout.bias, steps)
            break
        except lacus.LacusError:
            continue
    else:
        return None, j, False

    def best(fn):
        t = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            t.append(time.perf_counter() - t0)
        return min(t)

    def c_loop():
        lc.features(seg)
        lc.nvar.forecast(lc.readout.Wout, lc.readout.bias, steps)

    def py_loop(impl):
        def run():
            F = impl.features(seg)
            u, f = seg[-1].copy(), F[-1].copy()
            for _ in range(steps):
                u = u + impl.step(f)
                f = impl.feed(u)
        return run

    out = dict(lacus_c=best(c_loop), lacus_python=best(py_loop(lc)))
    lc.features(seg)
    c = lc.nvar.forecast(lc.readout.Wout, lc.readout.bias, steps)
    F = lc.features(seg)
    u, f, ref = seg[-1].copy(), F[-1].copy(), np.empty((steps, 3))
    for s in range(steps):
        u = u + lc.step(f)
        ref[s] = u
        f = lc.feed(u)
    same = bool(np.array_equal(c, ref))
    try:
        from reservoirpy.nodes import NVAR, Ridge
    except ImportError:
        return out, j, same
    rp = ReservoirPy(ridge)
    Fr = rp.features(seg)
    rp.fit(Fr[rows], dY)
    out["reservoirpy_nodes"] = best(py_loop(rp))
    nvar, ro = NVAR(delay=2, order=2, strides=1), Ridge(ridge=ridge)
    model = nvar >> ro
    model.fit(seg[:-1], seg[1:] - seg[:-1], warmup=WARM - 1)

    def tutorial():
        model.reset()
        model.run(seg)
        u = seg[-1].copy()
        for _ in range(steps):
            u = u + model(u).ravel()

    out["reservoirpy_model"] = best(tutorial)
    return out, j, same


def speed_line(a, X, r, test):
    """The nvar_lorenz_speed line, with ridge r on the first test start
    whose loop stays finite for the whole run."""
    secs, j, same = speed(X, r, a.speed, a.repeats, test)
    if secs is None:
        print(f"nvar_lorenz_speed data={a.data} ridge={r:g} every start diverged: no timing")
        return
    rate = {k: a.speed / v for k, v in secs.items()}
    line = " ".join(f"{k}_steps_per_s={v:.4g}" for k, v in rate.items())
    ratios = " ".join(f"c_vs_{k}={rate['lacus_c'] / v:.1f}x" for k, v in rate.items() if k != "lacus_c")
    print(f"nvar_lorenz_speed data={a.data} ridge={r:g} start={j} steps={a.speed} best_of={a.repeats} "
          f"{line} {ratios} c_loop_equals_python_loop_bitwise={same} "
          f"threads={os.environ.get('OMP_NUM_THREADS')} load1={os.getloadavg()[0]:.2f}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", choices=["rk23", "rk45", "accurate"], default="rk23")
    ap.add_argument("--starts", type=int, default=50, help="test starts")
    ap.add_argument("--val-starts", type=int, default=20, help="validation starts (ridge choice)")
    ap.add_argument("--horizon", type=int, default=1104, help="forecast steps (25 Lyapunov times)")
    ap.add_argument("--ridges", default="1e-8,1e-7,1e-6,2.5e-6,1e-5,1e-4,1e-3,1e-2,3e-2,0.1,0.3,1,3",
                    help="comma-separated ridge grid for the validation scan")
    ap.add_argument("--impl", choices=["both", "lacus"], default="both")
    ap.add_argument("--speed", type=int, default=1104,
                    help="closed-loop steps per timed loop of the speed line (0: no speed line)")
    ap.add_argument("--speed-only", action="store_true", help="only the speed line")
    ap.add_argument("--speed-ridge", type=float, default=0.1,
                    help="--speed-only: the readout's ridge (otherwise the validated one)")
    ap.add_argument("--repeats", type=int, default=5, help="speed line: best of this many")
    ap.add_argument("--verify-loop", action="store_true",
                    help="also run lacus's per-step Python loop on the test starts and count the "
                         "starts where its VPT equals the C loop's")
    ap.add_argument("--markdown", action="store_true", help="print the docs/nvar.md table rows")
    ap.add_argument("--bias", choices=["centered", "augmented"], default="centered",
                    help="lacus's readout bias: centred (unpenalised, as ReservoirPy) or "
                         "augmented (a constant feature penalised like the others, the paper's "
                         "28th feature; lacus only, ReservoirPy 0.4.2 has no such mode)")
    a = ap.parse_args()
    Lacus.bias = a.bias
    if a.bias == "augmented":
        a.impl = "lacus"

    n_total = a.starts + a.val_starts
    n = OFFSET0 + STRIDE * (n_total - 1) + WARM + TRAIN + a.horizon + 1
    t0 = time.perf_counter()
    X = lorenz_data(a.data, n)
    sigma = X.std(axis=0)
    print(f"nvar_lorenz_data kind={a.data} bias={a.bias} steps={n} dt={DT} seconds={time.perf_counter() - t0:.2f}",
          flush=True)
    test = [OFFSET0 + STRIDE * j for j in range(a.starts)]
    val = [OFFSET0 + STRIDE * (a.starts + j) for j in range(a.val_starts)]
    if a.speed_only:
        if a.speed > 0:
            speed_line(a, X, a.speed_ridge, test)
        return

    # 1. ridge on the validation starts (lacus).
    ridges = [float(r) for r in a.ridges.split(",")]
    best = (-1.0, None)
    for r in ridges:
        v = [one_start(Lacus(r), X, o, sigma, a.horizon)[0] for o in val]
        s = summary(v)
        print(f"nvar_lorenz_val data={a.data} ridge={r:g} starts={len(val)} "
              f"median_vpt_lt={s['median']:.2f} mean_vpt_lt={s['mean']:.2f} q1={s['q1']:.2f} "
              f"q3={s['q3']:.2f}", flush=True)
        if s["median"] >= best[0]:
            best = (s["median"], r)
    print(f"nvar_lorenz_ridge data={a.data} chosen={best[1]:g} val_median_vpt_lt={best[0]:.2f}",
          flush=True)

    if a.speed > 0:
        speed_line(a, X, best[1], test)

    # 2. test starts, both libraries, chosen and paper's ridge.
    impls = [Lacus] + ([ReservoirPy] if a.impl == "both" else []) + \
        ([LacusStepLoop] if a.verify_loop else [])
    rows = []
    settings = [("validated", best[1])] + ([("paper", 2.5e-6)] if best[1] != 2.5e-6 else [])
    for label, r in settings:
        res = {c.name: dict(vpt=[], nrmse=[], secs=0.0, dref=0.0) for c in impls}
        dfeat = dw = 0.0
        for o in test:
            out = {}
            for c in impls:
                vpt, nr, F, W, b, secs = one_start(c(r), X, o, sigma, a.horizon)
                res[c.name]["vpt"].append(vpt)
                res[c.name]["nrmse"].append(nr)
                res[c.name]["secs"] += secs
                out[c.name] = (F, W, b)
                Wref = reference_wout(F[WARM - 1:WARM + TRAIN - 1],
                                      X[o + WARM:o + WARM + TRAIN] - X[o + WARM - 1:o + WARM + TRAIN - 1], r)
                res[c.name]["dref"] = max(res[c.name]["dref"],
                                          float(np.max(np.abs(W - Wref)) / np.max(np.abs(Wref))))
            if "reservoirpy" in out:
                (Fl, Wl, bl), (Fr, Wr, br) = out["lacus"], out["reservoirpy"]
                dfeat = max(dfeat, float(np.max(np.abs(Fl - Fr))))
                dw = max(dw, float(np.max(np.abs(Wl - Wr)) / np.max(np.abs(Wr))))
        for name, d in res.items():
            s = summary(d["vpt"])
            nr = np.asarray(d["nrmse"])
            line = dict(label=label, impl=name, ridge=r, **s,
                        nrmse_median=float(np.median(nr)), secs=d["secs"])
            rows.append(line)
            print(f"nvar_lorenz_test data={a.data} bias={a.bias} ridge_from={label} ridge={r:g} impl={name} "
                  f"starts={len(test)} mean_vpt_lt={s['mean']:.2f} median_vpt_lt={s['median']:.2f} "
                  f"q1={s['q1']:.2f} q3={s['q3']:.2f} min={s['min']:.2f} max={s['max']:.2f} "
                  f"starts_ge4={s['ge4']} median_nrmse_1lt={np.median(nr):.3g} "
                  f"max_rel_wout_diff_vs_lstsq={d['dref']:.3g} "
                  f"seconds={d['secs']:.2f} load1={os.getloadavg()[0]:.2f}", flush=True)
        if "lacus_python_loop" in res:
            vl, vp = np.asarray(res["lacus"]["vpt"]), np.asarray(res["lacus_python_loop"]["vpt"])
            print(f"nvar_lorenz_loop data={a.data} ridge={r:g} c_loop_vs_python_loop_equal_vpt="
                  f"{int(np.sum(vl == vp))}/{len(vl)} max_vpt_diff_steps={int(np.max(np.abs(vl - vp)))} "
                  f"c_loop_seconds={res['lacus']['secs']:.2f} python_loop_seconds="
                  f"{res['lacus_python_loop']['secs']:.2f}", flush=True)
        if "reservoirpy" in res:
            vl, vr = np.asarray(res["lacus"]["vpt"]), np.asarray(res["reservoirpy"]["vpt"])
            print(f"nvar_lorenz_same data={a.data} ridge={r:g} max_feature_diff={dfeat:.3g} "
                  f"max_rel_wout_diff={dw:.3g} equal_vpt={int(np.sum(vl == vr))}/{len(vl)} "
                  f"max_vpt_diff_steps={int(np.max(np.abs(vl - vr)))}", flush=True)
    if a.markdown:
        for d in rows:
            print(f"| {a.data} | {d['impl']} | {d['ridge']:g} ({d['label']}) | {d['mean']:.2f} | "
                  f"{d['median']:.2f} | {d['q1']:.2f}-{d['q3']:.2f} | {d['min']:.2f}-{d['max']:.2f} | "
                  f"{d['ge4']}/{a.starts} | {d['nrmse_median']:.3g} |")


if __name__ == "__main__":
    main()
