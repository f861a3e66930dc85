"""lacus.local: Kalman filter and tPC against the NumPy fixture of the C
tests (tests/ref/make_local_fixtures.py); local reservoirs against
lacus.Reservoir and a NumPy replay of the NLMS rule; Forward-Forward
gradients against finite differences."""

import os
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..")))

import lacus  # noqa: E402
from lacus import local  # noqa: E402

FIX = os.environ.get("LACUS_FIXTURES") or os.path.normpath(
    os.path.join(HERE, "..", "..", "tests", "fixtures"))


@pytest.mark.parametrize("name", ["lgssm_full", "lgssm_partial"])
def test_kalman_and_tpc_equal_numpy_fixture(name):
    with np.load(os.path.join(FIX, "local", name + ".npz")) as z:
        f = {k: z[k] for k in z.files}
    q, r = float(f["q"]), float(f["r"])
    xh = local.kalman_filter(f["A"], f["B"], f["C"], q, r, f["u"], f["y"])
    assert np.max(np.abs(xh - f["kalman"])) < 1e-10
    t = local.TPC(f["A"], f["B"], f["C"], q, r, gamma=float(f["gamma"]),
                  n_iter=int(f["n_iter"]))
    assert np.max(np.abs(t.run(f["u"], f["y"]) - f["tpc"])) < 1e-10
    t2 = local.TPC(f["A0"], f["B0"], f["C"], q, r, gamma=float(f["gamma"]),
                   n_iter=int(f["n_iter"]), eta=float(f["eta"]))
    assert np.max(np.abs(t2.run(f["u"], f["y"]) - f["tpc_learn"])) < 1e-10
    assert np.max(np.abs(t2.A - f["A_learned"])) < 1e-10
    assert np.max(np.abs(t2.B - f["B_learned"])) < 1e-10
    np.testing.assert_array_equal(t2.C, f["C"])  # learn_C off


def test_lgssm_sample_and_kalman_beats_observations():
    A = np.array([[0.9, 0.2], [-0.2, 0.9]])
    B = np.array([[0.5], [-0.3]])
    Cm = np.array([[1.0, 0.0]])
    u, x, y = local.lgssm_sample(A, B, Cm, 0.01, 0.25, 2000, seed=3)
    assert u.shape == (2000, 1) and x.shape == (2000, 2) and y.shape == (2000, 1)
    # the sample follows its equations: residual variances are q and r
    wres = x[1:] - x[:-1] @ A.T - u[1:] @ B.T
    assert abs(wres.var() - 0.01) < 0.002
    assert abs((y - x @ Cm.T).var() - 0.25) < 0.03
    xh = local.kalman_filter(A, B, Cm, 0.01, 0.25, u, y)
    assert np.mean((xh[:, 0] - x[:, 0]) ** 2) < 0.5 * np.mean((y[:, 0] - x[:, 0]) ** 2)
    with pytest.raises(lacus.LacusError):
        local.TPC(A, B, Cm, 0.01, 0.25, gamma=-1.0)


def test_plain_local_reservoir_equals_reservoir():
    rng = np.random.default_rng(0)
    u = rng.normal(size=(100, 2))
    kw = dict(lr=0.3, sr=0.9, input_scaling=0.5, bias_scaling=0.1, seed=11)
    m = local.LocalReservoir(40, 2, pops=[(40, "plain")], **kw)
    r = lacus.Reservoir(units=40, input_dim=2, **kw)
    np.testing.assert_array_equal(m.W, r.W)
    np.testing.assert_allclose(m.run(u, learn=True), r.run(u), rtol=0, atol=1e-12)
    assert m.rules() == ["plain"] * 40


def test_selfpred_nlms_matches_a_numpy_replay():
    rng = np.random.default_rng(1)
    u = rng.normal(size=(30, 1))
    mu, delta = 0.5, 1e-6
    m = local.LocalReservoir(12, 1, lr=0.5, sr=0.9, rc_connectivity=0.3, seed=5, mu=mu,
                             delta=delta)
    assert m.rules() == ["selfpred"] * 12
    i = 3
    fan = m.fan_in(i)
    theta = m.theta(i)
    assert theta.shape == (2 + fan.size + 1,)
    x_prev = np.zeros(12)
    for t in range(30):
        x, p, e = m.run(u[t:t + 1], learn=True, reset=(t == 0), return_pe=True)
        z = np.concatenate([[1.0, x_prev[i]], x_prev[fan], u[t]])
        assert abs(p[0, i] - theta @ z) < 1e-12          # a-priori prediction
        assert abs(e[0, i] - (x[0, i] - p[0, i])) < 1e-12  # target: own state
        new = m.theta(i)
        np.testing.assert_allclose(new, theta + mu * e[0, i] * z / (delta + z @ z),
                                   rtol=1e-12, atol=1e-15)
        theta, x_prev = new, x[0]
    s = m.stats
    assert s["n_learn_steps"] == 30 and s["n_params"] > 0


def test_mixed_populations_and_features():
    rng = np.random.default_rng(2)
    u = rng.normal(size=(200, 1))
    m = local.LocalReservoir(40, 1, pops=[(10, "plain"), (10, "selfpred"), (10, "ff"),
                                          (10, "ip")], sr=0.9, lr=0.5, seed=3)
    assert m.rules() == ["plain"] * 10 + ["selfpred"] * 10 + ["ff"] * 10 + ["ip"] * 10
    x, xn = m.run_neg(u)
    assert x.shape == xn.shape == (200, 40) and not np.allclose(x, xn)
    f = m.features(u, with_pe=True)
    assert f.shape == (200, 40 + 2 * 10)
    f0 = m.features(u)
    np.testing.assert_array_equal(f[:, :40], f0)
    with pytest.raises(lacus.LacusError):
        local.LocalReservoir(10, 1, pops=[(10, "hebb")])
    with pytest.raises(lacus.LacusError):
        m.run(np.full((5, 1), np.nan))


def test_forward_forward_learns_and_its_gradient_is_exact():
    X, y = local.ff_make_task(600, 10, 3, noise=0.3, seed=1)
    ff = local.ForwardForward(3, n_hidden=50, epochs=15, seed=2).fit(X[:400], y[:400])
    acc = np.mean(ff.predict(X[400:]) == y[400:])
    assert acc > 0.8  # chance: 1/3
    g = ff.goodness(X[400:])
    np.testing.assert_array_equal(np.argmax(g, 1), ff.predict(X[400:]))
    pos, neg = ff.layer_goodness(X[:400], y[:400], 0)
    assert pos > neg
    # local gradient of layer 1 against central differences of its loss
    W, b = ff.layer_weights(1)
    rng = np.random.default_rng(0)
    a, c = rng.normal(size=W.shape[1]), rng.normal(size=W.shape[1])
    loss, dW, db = ff.layer_loss_grad(1, a, c)
    h = 1e-6
    for (j, k) in [(0, 0), (3, 7), (10, 20)]:
        Wp = W.copy()
        Wp[j, k] += h
        ff.set_layer_weights(1, Wp, b)
        lp = ff.layer_loss_grad(1, a, c)[0]
        Wp[j, k] -= 2 * h
        ff.set_layer_weights(1, Wp, b)
        lm = ff.layer_loss_grad(1, a, c)[0]
        assert abs((lp - lm) / (2 * h) - dW[j, k]) < 1e-6 * max(1, abs(dW[j, k]))
    ff.set_layer_weights(1, W, b)
    assert ff.layer_loss_grad(1, a, c)[0] == loss
    with pytest.raises(lacus.LacusError):
        ff.predict(np.ones((3, 4)))


def _cli():
    lib = os.environ.get("LACUS_LIBRARY")
    path = os.path.join(os.path.dirname(lib), "lacus") if lib else os.path.normpath(
        os.path.join(HERE, "..", "..", "build", "lacus"))
    return path if os.access(path, os.X_OK) else None


@pytest.mark.skipif(_cli() is None, reason="no lacus binary next to the library")
def test_compare_equals_the_cli(tmp_path):
    import subprocess
    out = tmp_path / "cmp.tsv"
    subprocess.run([_cli(), "compare", "--tasks", "mg84", "--models", "esn,selfpred", "--units",
                    "50", "--train", "500", "--test", "100", "--out", str(out)], check=True,
                   capture_output=True)
    rows = [ln.split("\t") for ln in out.read_text().splitlines() if not ln.startswith("#")]
    for row in rows:
        r = local.compare("mg84", row[1], n_units=50, n_train=500, n_test=100)
        assert r["available"] and r["metric"] == row[2] == "NRMSE"
        assert abs(r["error"] - float(row[3])) <= 1e-9 * abs(float(row[3]))
        assert r["n_params"] == int(row[5]) and r["note"] == row[8]
    with pytest.raises(lacus.LacusError):
        local.compare("mg85", "esn")
