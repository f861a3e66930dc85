"""lacus.tune: forward states and backward-tuning gradients against PyTorch
BPTT (tests/ref/make_tune_fixtures.py, float64), gradients against finite
differences, and fits that must lower the criterion they report."""

import os
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..")))

import lacus  # noqa: E402
from lacus import tune  # noqa: E402

FIX = os.environ.get("LACUS_FIXTURES") or os.path.normpath(
    os.path.join(HERE, "..", "..", "tests", "fixtures"))


def load(name):
    with np.load(os.path.join(FIX, "tune", name)) as z:
        return {k: z[k] for k in z.files}


def rel(a, b):
    return np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-12)


def test_lnl_states_and_gradient_equal_pytorch():
    f = load("lnl.npz")
    N, M = f["Win"].shape
    net = tune.TuneNet(N, M, unit="lnl", learn_leak=True, learn_offset=True)
    info = net.weight_info()
    w = net.weights
    # place the matrix-form weights: nodes N..2N-1 hold the leaks g, nodes
    # 2N.. the pre-activations (offset a, W from units, Win from inputs)
    lk = (info["node"] >= N) & (info["node"] < 2 * N)
    w[lk] = f["g"][info["node"][lk] - N]
    pre = info["node"] >= 2 * N
    n = info["node"] - 2 * N
    one = pre & (info["kind"] == "one")
    w[one] = f["a"][n[one]]
    rec = pre & (info["kind"] != "one") & (info["src_node"] >= 0)
    w[rec] = f["W"][n[rec], info["src_node"][rec]]
    inp = pre & (info["kind"] != "one") & (info["src_node"] < 0)
    w[inp] = f["Win"][n[inp], -info["src_node"][inp] - 1]
    net.weights = w
    x = net.forward(f["u"])
    assert rel(x[:, :N], f["x"]) < 1e-13
    g, cost = net.gradient(f["u"], f["y"])
    assert abs(cost - float(f["cost"])) < 1e-12 * abs(float(f["cost"]))
    assert rel(g[rec], f["gW"][n[rec], info["src_node"][rec]]) < 1e-11
    assert rel(g[inp], f["gWin"][n[inp], -info["src_node"][inp] - 1]) < 1e-11
    assert rel(g[lk], f["gg"][info["node"][lk] - N]) < 1e-11
    assert rel(g[one], f["ga"][n[one]]) < 1e-11
    assert np.all(g[info["node"] < N] == 0)  # the output node's fixed weights


def test_esn_bridge_equals_pytorch():
    f = load("esn.npz")
    L = f["Wout"].shape[1]
    net = tune.TuneNet.from_esn(f["W"], f["Win"], f["Wout"], bias=f["b"], bout=f["bout"],
                                lr=float(f["lr"]))
    z = net.forward(f["u"])[:, :L]
    assert rel(z, f["z"]) < 1e-13
    W, Wout, bout = net.to_esn()
    np.testing.assert_array_equal(W, f["W"])
    np.testing.assert_array_equal(Wout, f["Wout"])
    g, cost = net.gradient(f["u"], f["y"])
    assert abs(cost - float(f["cost"])) < 1e-12 * abs(float(f["cost"]))
    net.weights = g  # read the gradient back in the ESN layout
    gW, gWout, gb = net.to_esn()
    assert rel(gW, f["gW"]) < 1e-11 and rel(gWout, f["gWout"]) < 1e-11
    assert rel(gb, f["gbout"]) < 1e-11


@pytest.mark.parametrize("crit", ["l2", "huber", "biweight"])
def test_gradient_equals_finite_differences(crit):
    u, y = tune.root_target(6, 60, seed=3, data_seed=2)
    net = tune.TuneNet(6, 1, seed=9)
    g, cost = net.gradient(u, y, criterion=crit, nu=0.5)
    assert abs(cost - net.cost(u, y, criterion=crit, nu=0.5)) < 1e-12 * abs(cost)
    w0 = net.weights
    learn = net.weight_info()["learnable"]
    for j in np.flatnonzero(learn)[::5]:
        h = 1e-6 * max(1.0, abs(w0[j]))
        w = w0.copy()
        w[j] += h
        net.weights = w
        cp = net.cost(u, y, criterion=crit, nu=0.5)
        w[j] -= 2 * h
        net.weights = w
        cm = net.cost(u, y, criterion=crit, nu=0.5)
        assert abs((cp - cm) / (2 * h) - g[j]) < 1e-5 * max(1.0, abs(g[j]))
    net.weights = w0


def test_fit_lowers_the_cost_it_reports():
    u, y = tune.root_target(8, 200, seed=1, data_seed=4)
    net = tune.TuneNet(8, 1, seed=2)
    seen = []
    res = net.fit(u, y, max_iter=15, progress=lambda d: seen.append(d["cost"]) and False)
    assert res["iterations"] == len(seen) >= 1
    assert res["cost"] < res["cost0"] and res["nrmse"] < res["nrmse0"]
    assert abs(res["cost"] - net.cost(u, y)) < 1e-9 * res["cost"]
    assert abs(res["nrmse"] - net.nrmse(u, y)) < 1e-9
    assert np.all(np.diff(seen) <= 1e-12 * seen[0])  # accepted steps never raise it
    # a callback can stop the run
    net2 = tune.TuneNet(8, 1, seed=2)
    r2 = net2.fit(u, y, max_iter=50, progress=lambda d: d["iter"] >= 2)
    assert r2["stopped"] == "callback" and r2["iterations"] <= 3
    Cm, ne, hist = net.architecture()
    assert Cm.shape == (8, 9) and ne == np.count_nonzero(Cm) and hist.sum() == 8


def test_bad_input():
    with pytest.raises(lacus.LacusError):
        tune.TuneNet(0)
    with pytest.raises(lacus.LacusError):
        tune.TuneNet(4, unit="nope")
    net = tune.TuneNet(4)
    with pytest.raises(lacus.LacusError):
        net.forward(np.ones((10, 2)))
    with pytest.raises(lacus.LacusError):
        net.fit(np.ones((10, 1)), np.ones((9, 1)))
    with pytest.raises(lacus.LacusError):
        net.fit(np.ones((10, 1)), np.ones((10, 1)), method="adam")
    with pytest.raises(lacus.LacusError):
        net.to_esn()
    u = np.ones((10, 1))
    u[3] = np.nan
    with pytest.raises(lacus.LacusError):
        net.forward(u)


def test_readout_solve_equals_numpy_lstsq():
    # an ESN in node form: the readout nodes are the observed ones; nothing
    # reads them back, so the teacher-forced least squares is the free-run
    # optimum and the readout must equal NumPy's least squares on the states
    rng = np.random.default_rng(5)
    N, T = 12, 300
    W = rng.normal(0, 0.9 / np.sqrt(N), (N, N))
    Win = rng.normal(0, 1, (N, 1))
    net = tune.TuneNet.from_esn(W, Win, np.zeros((N, 1)), bias=rng.normal(0, 0.2, N),
                                bout=np.zeros(1), lr=0.7)
    u = rng.normal(0, 1, (T, 1))
    y = np.sin(np.cumsum(u[:, 0]) * 0.1)[:, None]
    x = net.forward(u)[:, 1:1 + N]  # node 0 = readout, then the states
    A = np.hstack([x, np.ones((T, 1))])
    sol = np.linalg.lstsq(A, y[:, 0], rcond=None)[0]
    res = net.fit_readout(u, y)
    _, Wout, bout = net.to_esn()
    assert rel(Wout[:, 0], sol[:N]) < 1e-8 and abs(bout[0] - sol[N]) < 1e-8 * max(1, abs(sol[N]))
    assert res["iterations"] == 1 and res["cost"] < res["cost0"]
    assert abs(res["cost"] - net.cost(u, y)) < 1e-9 * res["cost"]
    # ridge shrinks the readout
    net2 = tune.TuneNet.from_esn(W, Win, np.zeros((N, 1)), bout=np.zeros(1), lr=0.7)
    net2.fit_readout(u, y, ridge=1e3)
    assert np.linalg.norm(net2.to_esn()[1]) < np.linalg.norm(Wout)
    # an LNL net's observed node has only fixed weights: refused
    with pytest.raises(lacus.LacusError):
        tune.TuneNet(4).fit_readout(u, y)


def test_tie_gradient_is_the_sum_of_the_untied_ones():
    u, y = tune.root_target(4, 80, seed=5, data_seed=105)
    net = tune.TuneNet(4, 1, seed=9, init_mean=-0.1, init_std=0.15)
    info = net.weight_info()
    a = int(np.flatnonzero((info["edge_dst"] == 0) & (info["edge_src"] == 1))[0])
    b = int(np.flatnonzero((info["edge_dst"] == 2) & (info["edge_src"] == 0))[0])
    free = net.copy()
    net.tie(a, b)
    assert net.tied_to(b) == min(a, b) and net.tied_to(a) == min(a, b)
    w = net.weights
    assert w[a] == w[b]
    free.weights = w
    g, _ = net.gradient(u, y)
    g0, _ = free.gradient(u, y)
    assert g[a] == g[b]
    assert abs(g[a] - (g0[a] + g0[b])) < 1e-12 * max(1.0, abs(g[a]))
    res = net.fit(u, y, max_iter=5)
    w = net.weights
    assert w[a] == w[b] and res["cost"] < res["cost0"]
    with pytest.raises(lacus.LacusError):
        net.tied_to(10 ** 6)


def test_stat_projection_meets_the_constraints():
    rng = np.random.default_rng(2)
    T = 200
    z = rng.normal(0, 1, (T, 2))
    target = np.column_stack([0.5 + 0.8 * np.sin(0.2 * np.arange(T)),
                              rng.normal(-0.3, 0.7, T)])
    # mean only: the minimal-norm projection is a uniform shift per column
    zp, viol = tune.stat_project(z, target, stat_lags=0)
    np.testing.assert_allclose(zp, z + (target.mean(0) - z.mean(0)), rtol=0, atol=1e-13)
    # with lags and cross products every observable matches (NumPy restatement)
    def obs(s, lags):
        out = []
        for o in range(s.shape[1]):
            out.append(s[:, o].mean())
            out += [np.mean(s[tau:, o] * s[:-tau, o]) for tau in range(1, lags + 1)]
        out.append(np.mean(s[:, 0] * s[:, 1]))
        return np.array(out)
    zp, viol = tune.stat_project(z, target, stat_lags=3, stat_cross=True)
    np.testing.assert_allclose(tune.stat_observables(zp, 3, stat_cross=True), obs(target, 3),
                               rtol=0, atol=1e-10)
    np.testing.assert_allclose(tune.stat_observables(z, 3, stat_cross=True), obs(z, 3),
                               rtol=0, atol=1e-13)
    assert viol < 1e-9
    with pytest.raises(lacus.LacusError):
        tune.stat_project(z, target[:-1])


def test_hidden_targets_fixed_point_and_descent():
    # the root net itself: its trajectory satisfies the equations (E = 0)
    u, y = tune.root_target(4, 80, seed=3, data_seed=7)
    root = tune.TuneNet(4, 1, seed=3)
    xh, (e0, e1), k = root.hidden_targets(u, y)
    assert e0 < 1e-24 and k == 0
    np.testing.assert_allclose(xh, root.forward(u), rtol=0, atol=1e-15)
    # a learner: the observed node is clamped, E decreases
    net = tune.TuneNet(4, 1, seed=11, init_mean=-0.1, init_std=0.05)
    xh, (e0, e1), k = net.hidden_targets(u, y)
    np.testing.assert_array_equal(xh[:, 0], y[:, 0])
    assert e1 < 0.7 * e0 and 1 <= k <= 20
    res = net.fit(u, y, method="gn", reinject=2, max_iter=10)
    assert res["cost"] < 0.5 * res["cost0"]
    with pytest.raises(lacus.LacusError):
        net.fit(u, y, method="bank", reinject=2)
    # target propagation alone: the refit to the hidden desired values learns;
    # with the output's targets alone an LNL learner's refit only shrinks the
    # hidden weights toward 0 (its output node has no learnable weight)
    a = tune.TuneNet(4, 1, seed=12, init_mean=-0.1, init_std=0.05, learn_leak=True)
    b = a.copy()
    ra = a.fit(u, y, method="refit", reinject=2, max_iter=10)
    rb = b.fit(u, y, method="refit", reinject=1, max_iter=10)
    assert ra["cost"] < 0.5 * ra["cost0"]
    assert ra["cost"] < 0.5 * rb["cost"]
    with pytest.raises(lacus.LacusError):
        a.fit(u, y, method="refit")


def aif_numpy(net, u):
    """The AIF unit of spec 1.1 in NumPy, from the net's weights:
    x1_n(t) = w_n (x_n(t-1) - 1/2);
    x_n(t) = g_n (1 - s(x1_n(t)))/2 x_n(t-1) + a_n + sum_m W_nm s(x1_m(t))
             + sum_i Win_ni u_i(t-1),  s(v) = 1/(1 + e^{-4v})."""
    N, M, T = net.n_units, net.n_inputs, u.shape[0]
    w, info = net.weights, net.weight_info()
    g, a, om = np.zeros(N), np.zeros(N), np.zeros(N)
    W, Win = np.zeros((N, N)), np.zeros((N, M))
    for j, r in enumerate(info):
        n, kind = int(r["node"]), str(r["kind"])
        if kind == "aif_leak":
            g[n] = w[j]
        elif kind == "one":
            a[n] = w[j]
        elif kind == "sig4":
            W[n, r["src_node"] - N] = w[j]
        elif kind == "id":
            Win[n, -r["src_node"] - 1] = w[j]
        elif kind == "shift":
            om[n - N] = w[j]
    def sig(v):
        with np.errstate(over="ignore"):  # e^{-4v} = inf gives exactly 0
            return 1.0 / (1.0 + np.exp(-4.0 * v))
    x, x1 = np.zeros((T, N)), np.zeros((T, N))
    prev, uprev = np.zeros(N), np.zeros(M)
    for t in range(T):
        x1[t] = om * (prev - 0.5)
        s = sig(x1[t])
        x[t] = g * 0.5 * (1.0 - s) * prev + a + W @ s + Win @ uprev
        prev, uprev = x[t], u[t]
    return np.concatenate([x, x1], axis=1)


def test_aif_contiguous_sigmoid_path_equals_numpy():
    # The sigma4 rows of a dense AIF net run through the contiguous path
    # (a reordered sum): states equal an independent NumPy simulation to
    # 1e-13; sharpness 5 (smooth) and 100 (the root nets' gates).
    rng = np.random.default_rng(3)
    u = rng.standard_normal((200, 2))
    for sharp in (5.0, 100.0):
        net = tune.TuneNet(11, n_inputs=2, unit="aif", sharpness=sharp, leak=0.4, learn_leak=True,
                           offset=0.05, learn_offset=True, learn_sharpness=True, seed=9)
        x = net.forward(u)
        assert x.shape == (200, 22)
        assert rel(x, aif_numpy(net, u)) < 1e-13
