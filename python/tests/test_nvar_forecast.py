"""The NVAR closed loop in C through Python: NVAR.forecast against
ReservoirPy 0.4.2's own closed loop (fixture tests/fixtures/nvar5, made by
tests/ref/make_nvar_forecast_fixtures.py) and bit for bit against the
step-by-step loop of lacus.Ridge.predict + NVAR.run(reset=False); the
NVARForecaster model (lacus fit --model nvar) against NVAR + Ridge by hand;
divergence and bad input.

Run with LACUS_LIBRARY=path/to/liblacus.so."""

import os
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..")))

import lacus  # noqa: E402

FIX = os.environ.get("LACUS_FIXTURES") or os.path.normpath(
    os.path.join(HERE, "..", "..", "tests", "fixtures"))
WARM = 200


@pytest.fixture(scope="module")
def fx():
    with np.load(os.path.join(FIX, "nvar5", "nvar_forecast.npz")) as z:
        return {k: z[k] for k in z.files}


@pytest.mark.parametrize("case", ["inc", "k3s2", "next"])
def test_forecast_matches_reservoirpy_loop(fx, case):
    k, s, inc = (int(v) for v in fx[case + "_cfg"])
    h = fx["hist"]
    nv = lacus.NVAR(delay=k, order=2, strides=s)
    nv.run(h)
    ref = fx[case + "_gen"]
    gen = nv.forecast(fx[case + "_Wout"], fx[case + "_bias"], len(ref),
                      predicts="increment" if inc else "next")
    d = np.max(np.abs(gen - ref) / h.std(axis=0), axis=1)
    # 1e-8 for 100 steps (measured ~1e-12) and 300 (first above: step 432+)
    assert d[:300].max() <= 1e-8, d[:300].max()


@pytest.mark.parametrize("k,s,predicts", [(2, 1, "increment"), (3, 2, "increment"), (2, 1, "next")])
def test_forecast_bitwise_step_loop(fx, k, s, predicts):
    h = fx["hist"]
    a, b = lacus.NVAR(delay=k, strides=s), lacus.NVAR(delay=k, strides=s)
    F = a.run(h)
    b.run(h)
    Y = h[1:] - (h[:-1] if predicts == "increment" else 0.0)
    r = lacus.Ridge(ridge=1e-5)
    r.fit(F[WARM - 1:-1], Y[WARM - 1:])
    u, f, loop = h[-1].copy(), F[-1].copy(), np.empty((300, 3))
    for t in range(300):
        y = r.predict(f[None, :])[0]
        u = u + y if predicts == "increment" else y
        loop[t] = u
        f = a.run(u[None, :], reset=False)[0]
    fc = b.forecast(r.Wout, r.bias, 300, predicts=predicts)
    assert np.array_equal(fc, loop)


def test_forecaster_model(fx, tmp_path):
    h = fx["hist"]
    m = lacus.NVARForecaster(ridge=2.5e-6, warmup=WARM - 1).fit(h)
    assert m.n_features == 27 and m.n_inputs == 3 and m.predicts == "increment"
    # Same weights as NVAR + Ridge by hand (ReservoirPy's: to its conditioning).
    F = lacus.NVAR().run(h)
    r = lacus.Ridge(ridge=2.5e-6)
    r.fit(F[WARM - 1:-1], h[WARM:] - h[WARM - 1:-1])
    assert np.array_equal(m.Wout, r.Wout) and np.array_equal(m.bias, r.bias)
    W = fx["inc_Wout"]
    assert np.abs(m.Wout - W).max() / np.abs(W).max() < 1e-2
    g = m.generate(h, 400)
    nv = lacus.NVAR()
    nv.run(h)
    assert np.array_equal(g, nv.forecast(r.Wout, r.bias, 400))
    one = m.predict(h)
    assert np.abs(one[-1] - g[0]).max() <= 1e-12 * np.abs(g[0]).max()
    # A Lyapunov time or more within 0.5 sigma of the truth.
    e = np.sqrt(np.mean(((g - fx["truth"]) / h.std(axis=0)) ** 2, axis=1))
    assert np.argmax(e > 0.5) >= 100
    p = tmp_path / "nv.npz"
    m.save(p)
    l = lacus.NVARForecaster.load(p)
    assert np.array_equal(l.generate(h, 400), g)
    assert "nvar" in repr(l).lower()


def test_divergence_keeps_rows(fx):
    h = fx["hist"]
    nv = lacus.NVAR()
    nv.run(h)
    with pytest.raises(lacus.LacusError) as e:
        nv.forecast(np.full((27, 3), 1e100), None, 10)
    k = e.value.n_done  # 1e100 weights: ~1e104, ~1e212, then overflow
    assert 1 <= k < 10 and "diverged at step %d of 10" % k in str(e.value)
    assert e.value.rows.shape == (k, 3) and np.all(np.isfinite(e.value.rows))


def test_bad_input(fx):
    h = fx["hist"]
    nv = lacus.NVAR(input_dim=3)
    with pytest.raises(lacus.LacusError, match="warm it up"):
        nv.forecast(fx["inc_Wout"], fx["inc_bias"], 5)
    nv.run(h)
    with pytest.raises(lacus.LacusError, match=r"\(26, 3\)"):
        nv.forecast(fx["inc_Wout"][:-1], None, 5)
    with pytest.raises(lacus.LacusError, match="bias has 2 values"):
        nv.forecast(fx["inc_Wout"], [0.0, 0.0], 5)
    with pytest.raises(ValueError, match="predicts"):
        nv.forecast(fx["inc_Wout"], None, 5, predicts="delta")
    with pytest.raises(lacus.LacusError, match="n_steps = 0"):
        nv.forecast(fx["inc_Wout"], None, 0)
    W = fx["inc_Wout"].copy()
    W[3, 1] = np.nan
    with pytest.raises(lacus.LacusError, match="Wout"):
        nv.forecast(W, None, 5)
    with pytest.raises(lacus.LacusError, match="not trained"):
        lacus.NVARForecaster().generate(h, 5)
    with pytest.raises(lacus.LacusError, match="no training row"):
        lacus.NVARForecaster(warmup=10).fit(h[:5])
    with pytest.raises(lacus.LacusError, match="order"):
        lacus.NVARForecaster(order=0)


def test_forecaster_many_sequences(fx):
    """Two sequences: each from an empty delay line, (delay-1)*strides rows
    dropped (warmup=-1), the same readout as a ridge on their stacked rows."""
    h = fx["hist"]
    a, b = h[:250], h[250:]
    m = lacus.NVARForecaster(delay=3, strides=2, ridge=1e-2, predicts="next").fit([a, b])
    rows, ys = [], []
    for x in (a, b):
        F = lacus.NVAR(delay=3, strides=2).run(x)
        rows.append(F[4:-1])
        ys.append(x[5:])
    r = lacus.Ridge(ridge=1e-2).fit(np.vstack(rows), np.vstack(ys))
    assert np.allclose(m.Wout, r.Wout, rtol=0, atol=1e-9 * np.abs(r.Wout).max())
    assert np.allclose(m.bias, r.bias, rtol=0, atol=1e-9 * np.abs(r.bias).max())
    one = m.predict(b)
    F = lacus.NVAR(delay=3, strides=2).run(b)
    assert np.allclose(one, F @ m.Wout + m.bias, rtol=1e-12, atol=1e-12 * np.abs(b).max())
