"""Tests of the RLS/LMS, NVAR and ESN.generate bindings against the
ReservoirPy 0.4.2 fixtures of the C tests (tests/fixtures/online, nvar).

Run with LACUS_LIBRARY=path/to/liblacus.so (ctest sets it) and, optionally,
LACUS_FIXTURES=tests/fixtures (default: found from this file)."""

import os
import sys
from math import comb

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..")))

import lacus  # noqa: E402

FIX = os.environ.get("LACUS_FIXTURES") or os.path.normpath(
    os.path.join(HERE, "..", "..", "tests", "fixtures"))

ONLINE_CASES = ["rls_bias", "rls_forget", "rls_nobias", "lms_bias", "lms_nobias"]
NVAR_CASES = ["k2_n2_s1_i3", "k3_n3_s2_i2", "k4_n1_s3_i1", "k2_n4_s3_i2", "k1_n2_s1_i5"]


def load(*parts):
    with np.load(os.path.join(FIX, *parts)) as z:
        return {k: z[k] for k in z.files}


def rel_diff(a, b):
    """Largest |a - b| / max(1, |b|), as test_max_rel_diff in the C tests."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b) / np.maximum(1.0, np.abs(b)))) if a.size else 0.0


def make_online(name, f):
    if name.startswith("rls"):
        return lacus.RLS(alpha=float(f["alpha"]), forgetting=float(f["forgetting"]),
                         fit_bias=bool(f["fit_bias"]))
    return lacus.LMS(alpha=float(f["alpha"]), fit_bias=bool(f["fit_bias"]))


# -- RLS / LMS --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ONLINE_CASES)
def test_online_step_by_step_equals_reservoirpy(name):
    f = load("online", name + ".npz")
    X, Y = f["X"], f["Y"]
    T, F = X.shape
    O = Y.shape[1]
    m = make_online(name, f)
    assert m.input_dim is None and m.n_steps == 0
    b_prev = np.zeros(O)
    for t in range(T):
        prior = m.step(X[t], Y[t])              # 1-D sample -> 1-D prediction
        assert prior.shape == (O,)
        assert rel_diff(prior, f["prior"][t]) < 1e-8
        W, b = m.Wout, m.bias
        assert W.shape == (F, O) and b.shape == (O,)
        assert rel_diff(W.reshape(-1), f["W_hist"][t]) < 1e-8
        assert rel_diff(b, f["b_hist"][t]) < 1e-8
        # What ReservoirPy's partial_fit returns: x W_after + b_before.
        assert rel_diff(X[t] @ W + b_prev, f["rpy_pred"][t]) < 1e-8
        b_prev = b
    assert m.n_steps == T
    assert (m.input_dim, m.output_dim) == (F, O)


@pytest.mark.parametrize("name", ONLINE_CASES)
def test_online_partial_fit_equals_reservoirpy(name):
    f = load("online", name + ".npz")
    X, Y = f["X"], f["Y"]
    T, F = X.shape
    m = make_online(name, f)
    prior = m.partial_fit(X, Y)
    assert prior.shape == Y.shape
    assert rel_diff(prior, f["prior"]) < 1e-8
    assert rel_diff(m.Wout.reshape(-1), f["W_hist"][-1]) < 1e-8
    assert rel_diff(m.bias, f["b_hist"][-1]) < 1e-8
    # predict uses the final weights, without learning.
    np.testing.assert_allclose(m.predict(X[:5]), X[:5] @ m.Wout + m.bias, rtol=0, atol=1e-12)
    assert m.n_steps == T
    # Two chunks give the same as one call; (1, F) rows step too.
    m2 = make_online(name, f)
    p1 = m2.partial_fit(X[:50], Y[:50])
    p2 = m2.partial_fit(X[50:-1], Y[50:-1])
    p3 = m2.step(X[-1:], Y[-1:])
    assert p3.shape == (1, Y.shape[1])
    np.testing.assert_array_equal(np.vstack([p1, p2, p3]), prior)
    np.testing.assert_array_equal(m2.Wout, m.Wout)
    # reset: back to zero weights, same sizes, and learning again gives the same.
    m.reset()
    assert m.n_steps == 0 and not m.Wout.any() and not m.bias.any()
    np.testing.assert_array_equal(m.partial_fit(X, Y), prior)


def test_online_weights_get_set():
    rng = np.random.default_rng(1)
    W = rng.normal(size=(4, 2))
    b = np.array([0.5, -0.25])
    m = lacus.RLS(alpha=1e-2)
    m.Wout = W                                  # creates the readout with W's shape
    assert (m.input_dim, m.output_dim) == (4, 2)
    np.testing.assert_array_equal(m.Wout, W)
    np.testing.assert_array_equal(m.bias, np.zeros(2))
    m.bias = b
    np.testing.assert_array_equal(m.Wout, W)
    np.testing.assert_array_equal(m.bias, b)
    x = rng.normal(size=(3, 4))
    np.testing.assert_allclose(m.predict(x), x @ W + b, rtol=0, atol=1e-12)
    with pytest.raises(lacus.LacusError) as e:
        m.Wout = np.zeros((3, 2))
    assert e.value.status == -2
    with pytest.raises(lacus.LacusError) as e:
        m.Wout = np.full((4, 2), np.nan)        # the C library refuses NaN/Inf
    assert e.value.message
    with pytest.raises(lacus.LacusError) as e:
        m.partial_fit(np.zeros((2, 5)), np.zeros((2, 2)))
    assert e.value.status == -2


def test_online_matches_ridge_without_bias():
    """RLS with fit_bias=False, forgetting=1 and W(0)=0 is the ridge solution."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 5))
    Y = X @ rng.normal(size=(5, 2)) + 0.05 * rng.normal(size=(200, 2))
    m = lacus.RLS(alpha=0.1, fit_bias=False)
    m.partial_fit(X, Y)
    W_ref = np.linalg.solve(X.T @ X + 0.1 * np.eye(5), X.T @ Y)
    np.testing.assert_allclose(m.Wout, W_ref, rtol=1e-9, atol=1e-10)
    np.testing.assert_array_equal(m.bias, np.zeros(2))


def test_online_errors():
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(lacus.LacusError) as e:
            lacus.RLS(alpha=bad)
        assert "alpha" in e.value.message and e.value.status == -1
        with pytest.raises(lacus.LacusError) as e:
            lacus.LMS(alpha=bad)
        assert "alpha" in e.value.message
    with pytest.raises(lacus.LacusError) as e:
        lacus.RLS(forgetting=1.5)
    assert "forgetting" in e.value.message
    with pytest.raises(lacus.LacusError):
        lacus.Online(method="nope")
    with pytest.raises(lacus.LacusError) as e:
        lacus.RLS().predict(np.zeros((2, 3)))   # sizes not known yet
    assert e.value.status == -9
    m = lacus.LMS(learning_rate=0.01, input_dim=3, output_dim=1)
    assert m.learning_rate == 0.01 and m.input_dim == 3
    X = np.ones((4, 3))
    X[2, 1] = np.nan
    with pytest.raises(lacus.LacusError) as e:
        m.partial_fit(X, np.zeros((4, 1)))
    assert e.value.status == -6 and e.value.message
    assert m.n_steps == 0                       # all rows are checked first
    # LMS with a rate far too large diverges: NUMERIC, weights kept from the last good step.
    big = lacus.LMS(alpha=1e3)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 4))
    with pytest.raises(lacus.LacusError) as e:
        big.partial_fit(X, rng.normal(size=(400, 1)))
    assert e.value.status == -6 and e.value.message
    assert np.all(np.isfinite(big.Wout))


# -- NVAR -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NVAR_CASES)
def test_nvar_equals_reservoirpy(name):
    f = load("nvar", name + ".npz")
    k, n, s, i = (int(f[key]) for key in ("delay", "order", "strides", "n_inputs"))
    node = lacus.NVAR(delay=k, order=n, strides=s)
    assert node.n_features is None
    feats = node.run(f["u"])
    d = k * i
    assert node.input_dim == i and node.n_linear == d
    assert node.n_features == d + comb(d + n - 1, n) == f["features"].shape[1]
    assert feats.shape == f["features"].shape
    np.testing.assert_allclose(feats, f["features"], rtol=1e-12, atol=1e-12)
    cont = node.run(f["u_cont"], reset=False)
    np.testing.assert_allclose(cont, f["features_cont"], rtol=1e-12, atol=1e-12)
    # reset=True (the default) starts again from an empty delay line.
    np.testing.assert_array_equal(node.run(f["u"]), feats)
    # One step at a time (closed-loop style) gives the same features.
    node.reset()
    steps = np.vstack([node.run(f["u"][t:t + 1], reset=False) for t in range(len(f["u"]))])
    np.testing.assert_array_equal(steps, feats)


def test_nvar_errors():
    with pytest.raises(lacus.LacusError) as e:
        lacus.NVAR(delay=0)
    assert "delay" in e.value.message
    with pytest.raises(lacus.LacusError) as e:
        lacus.NVAR(order=0)
    assert "order" in e.value.message
    with pytest.raises(lacus.LacusError) as e:
        lacus.NVAR(strides=0)
    assert "strides" in e.value.message
    node = lacus.NVAR(input_dim=3)
    assert node.n_features == 6 + 21             # the Lorenz-63 configuration
    with pytest.raises(lacus.LacusError) as e:
        node.run(np.zeros((5, 2)))
    assert e.value.status == -2
    u = np.zeros((5, 3))
    u[3, 2] = np.inf
    with pytest.raises(lacus.LacusError) as e:
        node.run(u)
    assert e.value.status == -6 and e.value.message


# -- ESN.generate -----------------------------------------------------------------------

def sine_esn(n_inputs=1):
    t = np.arange(1500)
    s = np.sin(0.2 * t)[:, None]
    esn = lacus.ESN(units=100, lr=0.5, sr=0.9, bias_scaling=0.1, seed=7, ridge=1e-8,
                    warmup=100)
    u = np.hstack([s / (j + 1) for j in range(n_inputs)])
    esn.fit(u[:1000], s[1:1001])
    return esn, s


def test_esn_generate_reproduces_a_sine():
    esn, s = sine_esn()
    gen = esn.generate(s[1000:1150], 200)
    assert gen.shape == (200, 1)
    err = np.abs(gen - s[1150:1350]).max()
    # Measured 4.7e-5 (100 units, seed 7); the bound leaves a 20x margin.
    assert err < 1e-3, err
    # Row 0 is the prediction from the last warm-up step, as ESN.run gives it.
    assert esn.run(s[1000:1150])[-1, 0] == gen[0, 0]
    # Generation is repeatable (it starts from a zero state every call).
    np.testing.assert_array_equal(esn.generate(s[1000:1150], 200), gen)
    assert esn.generate(s[1000:1150], 0).shape == (0, 1)


def test_esn_generate_errors():
    esn, s = sine_esn(n_inputs=2)               # 2 inputs, 1 output: cannot feed back
    with pytest.raises(lacus.LacusError) as e:
        esn.generate(np.hstack([s, s])[:50], 10)
    assert e.value.status == -2 and "outputs" in e.value.message
    with pytest.raises(lacus.LacusError) as e:
        esn.generate(s[:50], 10)                # wrong number of warm-up columns
    assert e.value.status == -2
    esn1, s = sine_esn()
    with pytest.raises(lacus.LacusError) as e:
        esn1.generate(s[:0], 10)
    assert e.value.status == -1 and "warm-up" in e.value.message
    with pytest.raises(lacus.LacusError) as e:
        esn1.generate(s[:5], -1)
    assert e.value.status == -1
    bad = s[:5].copy()
    bad[2] = np.nan
    with pytest.raises(lacus.LacusError) as e:
        esn1.generate(bad, 10)
    assert e.value.status == -6
    with pytest.raises(lacus.LacusError) as e:
        lacus.ESN(units=10, input_dim=1).generate(s[:5], 10)   # untrained
    assert e.value.status == -9


def test_esn_partial_fit_refuses_wrong_input_columns():
    """Once the input size is fixed, a chunk with other columns is refused in
    Python (the C call would read past the array)."""
    esn, s = sine_esn()
    with pytest.raises(lacus.LacusError) as e:
        esn.partial_fit(np.hstack([s, s])[:50], s[1:51])
    assert e.value.status == -2 and "columns" in e.value.message
