"""Tests of the ctypes binding against the fixtures of the C tests.

Run with LACUS_LIBRARY=path/to/liblacus.so (ctest sets it) and, optionally,
LACUS_FIXTURES=tests/fixtures (default: found from this file)."""

import os
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..")))

import lacus  # noqa: E402
from lacus import datasets, metrics  # noqa: E402

FIX = os.environ.get("LACUS_FIXTURES") or os.path.normpath(
    os.path.join(HERE, "..", "..", "tests", "fixtures"))


def fixture(*parts):
    return os.path.join(FIX, *parts)


def npz(name):
    with np.load(fixture("esn", name)) as z:
        return {k: z[k] for k in z.files}


def test_version_matches_library():
    assert lacus.library_version() == lacus.__version__ == "0.1.0"


@pytest.mark.parametrize("act", ["tanh", "sigmoid", "relu", "identity", "softplus"])
def test_reservoir_states_equal_reservoirpy(act):
    f = npz("states_%s.npz" % act)
    names = {0: "tanh", 1: "sigmoid", 2: "relu", 3: "identity", 4: "softmax", 5: "softplus"}
    assert names[int(f["activation"])] == act
    r = lacus.Reservoir(W=f["W"], Win=f["Win"], bias=f["bias"], lr=float(f["lr"]),
                        activation=act)
    assert r.units == 50 and r.input_dim == 3
    np.testing.assert_allclose(r.run(f["u"]), f["states"], rtol=0, atol=1e-10)
    # continuing from the last state
    np.testing.assert_allclose(r.run(f["u_cont"], reset=False), f["states_cont"],
                               rtol=0, atol=1e-10)
    # weights read back exactly as given
    np.testing.assert_array_equal(r.W, f["W"])
    np.testing.assert_array_equal(r.Win, f["Win"])
    np.testing.assert_array_equal(r.bias, f["bias"])


def test_reservoir_setters_and_run_many():
    f = npz("states_tanh.npz")
    r = lacus.Reservoir(units=50, lr=float(f["lr"]), seed=3, input_dim=3)
    r.W = f["W"]
    r.Win = np.asfortranarray(f["Win"])  # any layout: converted before the call
    r.bias = f["bias"].tolist()
    u = f["u"]
    many = r.run_many([u, u[:37], u[:120]])
    np.testing.assert_allclose(many[0], f["states"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(many[1], f["states"][:37], rtol=0, atol=1e-10)
    np.testing.assert_allclose(many[2], f["states"][:120], rtol=0, atol=1e-10)
    with pytest.raises(lacus.LacusError) as e:
        r.W = np.zeros((4, 4))
    assert e.value.status == -2


def test_reservoir_seeded_draw_is_reproducible():
    a = lacus.Reservoir(units=30, sr=0.9, seed=7, input_dim=2)
    b = lacus.Reservoir(units=30, sr=0.9, seed=7, input_dim=2)
    c = lacus.Reservoir(units=30, sr=0.9, seed=8, input_dim=2)
    np.testing.assert_array_equal(a.W, b.W)
    assert not np.array_equal(a.W, c.W)
    assert abs(np.max(np.abs(np.linalg.eigvals(a.W))) - 0.9) < 1e-8


def _esn_from_fixture(f):
    return lacus.ESN(W=f["W"], Win=f["Win"], bias=f["bias"], lr=float(f["lr"]),
                     ridge=float(f["ridge"]))


def test_esn_fit_equals_reservoirpy():
    f = npz("esn_multi.npz")
    n = int(f["n_seqs"])
    us = [f["u_%d" % i] for i in range(n)]
    ys = [f["y_%d" % i] for i in range(n)]
    esn = _esn_from_fixture(f).fit(us, ys, warmup=int(f["warmup"]))
    np.testing.assert_allclose(esn.Wout, f["Wout"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(esn.bout, f["bout"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(esn.run(f["u_test"]), f["pred_test"], rtol=0, atol=1e-8)
    # a list in, a list out
    out = esn.run([f["u_test"], f["u_test"][:10]])
    assert isinstance(out, list) and out[1].shape == (10, 2)


def test_esn_partial_fit_equals_fit():
    f = npz("esn_multi.npz")
    n = int(f["n_seqs"])
    esn = _esn_from_fixture(f)
    for i in range(n):
        u, y = f["u_%d" % i], f["y_%d" % i]
        # two chunks per sequence, the second continuing the first
        esn.partial_fit(u[:70], y[:70], new_sequence=True, warmup=int(f["warmup"]))
        esn.partial_fit(u[70:], y[70:], new_sequence=False)
    esn.solve()
    np.testing.assert_allclose(esn.Wout, f["Wout"], rtol=0, atol=1e-8)


def test_esn_save_load_round_trip(tmp_path):
    f = npz("esn_multi.npz")
    us = [f["u_%d" % i] for i in range(int(f["n_seqs"]))]
    ys = [f["y_%d" % i] for i in range(int(f["n_seqs"]))]
    esn = _esn_from_fixture(f).fit(us, ys, warmup=int(f["warmup"]))
    path = tmp_path / "model.npz"
    esn.save(path)
    back = lacus.ESN.load(path)
    assert back.is_trained and back.warmup == int(f["warmup"])
    np.testing.assert_array_equal(back.Wout, esn.Wout)
    np.testing.assert_array_equal(back.bout, esn.bout)
    np.testing.assert_array_equal(back.reservoir.W, f["W"])
    np.testing.assert_array_equal(back.run(f["u_test"]), esn.run(f["u_test"]))
    # numpy opens the model file too
    with np.load(path) as z:
        np.testing.assert_array_equal(z["Wout"], esn.Wout)
    # refitting the loaded model with another warmup keeps its weights
    back.fit(us, ys, warmup=0)
    np.testing.assert_array_equal(back.reservoir.Win, f["Win"])
    assert not np.allclose(back.Wout, esn.Wout)


def test_ridge_equals_reservoirpy():
    with np.load(fixture("esn", "ridge.npz")) as z:
        f = {k: z[k] for k in z.files}
    r = lacus.Ridge(ridge=float(f["ridge"])).fit(f["X"], f["Y"])
    np.testing.assert_allclose(r.Wout, f["Wout_centered"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(r.bias, f["bout_centered"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(r.predict(f["X"]), f["pred_centered"], rtol=0, atol=1e-8)
    r2 = lacus.Ridge(ridge=float(f["ridge"]), fit_bias=False)
    r2.partial_fit(f["X"][:80], f["Y"][:80]).partial_fit(f["X"][80:], f["Y"][80:]).solve()
    np.testing.assert_allclose(r2.Wout, f["Wout_none"], rtol=0, atol=1e-8)
    np.testing.assert_array_equal(r2.bias, np.zeros(2))


def test_errors_carry_the_c_message():
    with pytest.raises(lacus.LacusError) as e:
        lacus.Reservoir(units=10, lr=2.0)
    assert e.value.status == -1 and "lr" in str(e.value) and "lr" in e.value.message
    with pytest.raises(lacus.LacusError) as e:
        lacus.ESN(units=10, lr=2.0, input_dim=1)
    assert "lr" in e.value.message
    with pytest.raises(lacus.LacusError) as e:
        datasets.mackey_glass(0)
    assert e.value.status == -1
    with pytest.raises(lacus.LacusError):
        lacus.ESN.load("/nonexistent/model.npz")
    with pytest.raises(lacus.LacusError) as e:
        lacus.Reservoir(units=10, activation="nope")
    assert e.value.status == -1


def test_datasets_equal_reservoirpy():
    d = lambda n: np.load(fixture("datasets", n + ".npy"))  # noqa: E731
    np.testing.assert_allclose(datasets.mackey_glass(300), d("mackey_glass_default"),
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(datasets.mackey_glass(300, tau=25, seed=42),
                               d("mackey_glass_seed42"), rtol=0, atol=1e-12)
    np.testing.assert_allclose(datasets.lorenz(300), d("lorenz_default"), rtol=0, atol=1e-9)
    np.testing.assert_allclose(datasets.logistic_map(300), d("logistic_map_default"),
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(datasets.henon_map(300), d("henon_map_default"),
                               rtol=0, atol=1e-12)
    u, y = datasets.narma(300)
    np.testing.assert_allclose(u.ravel(), d("narma_default_u").ravel(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(y.ravel(), d("narma_default_y").ravel(), rtol=0, atol=1e-12)
    X, Y = datasets.to_forecasting(datasets.mackey_glass(300), forecast=10)
    assert X.shape == (290, 1) and np.array_equal(X[10:], Y[:-10])
    parts = datasets.to_forecasting(d("forecast_series"), forecast=3, test_size=0.2)
    for got, name in zip(parts, ["Xtr", "Xte", "Ytr", "Yte"]):
        np.testing.assert_array_equal(got, d("forecast_" + name))


def test_metrics():
    rng = np.random.default_rng(0)
    t = rng.normal(size=(100, 2))
    p = t + 0.1 * rng.normal(size=(100, 2))
    ref_rmse = np.sqrt(np.mean((t - p) ** 2))
    assert abs(metrics.rmse(t, p) - ref_rmse) < 1e-14
    assert abs(metrics.mse(t, p) - ref_rmse ** 2) < 1e-14
    assert abs(metrics.nrmse(t, p) - ref_rmse / np.ptp(t)) < 1e-14
    assert abs(metrics.nrmse(t, p, norm_value=2.0) - ref_rmse / 2) < 1e-14
    r2 = 1 - np.sum((t - p) ** 2) / np.sum((t - t.mean()) ** 2)
    assert abs(metrics.rsquare(t, p) - r2) < 1e-13
    dw = metrics.rmse(t, p, dimensionwise=True)
    np.testing.assert_allclose(dw, np.sqrt(np.mean((t - p) ** 2, axis=0)), rtol=1e-14)
    with pytest.raises(lacus.LacusError) as e:
        metrics.nrmse(t, p, norm="bogus")
    assert "minmax" in e.value.message
