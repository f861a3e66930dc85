"""ESN output feedback, FORCE learning and online readouts, against
ReservoirPy 0.4.2's fixture (tests/ref/make_feedback_fixtures.py) and the
FORCE experiment of Sussillo & Abbott 2009."""

import os
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..")))

import lacus  # noqa: E402

FIX = os.environ.get("LACUS_FIXTURES") or os.path.normpath(
    os.path.join(HERE, "..", "..", "tests", "fixtures"))


def fixture():
    with np.load(os.path.join(FIX, "esn", "feedback.npz")) as z:
        return {k: z[k] for k in z.files}


def test_teacher_forced_fit_and_closed_loop_equal_reservoirpy(tmp_path):
    f = fixture()
    esn = lacus.ESN(W=f["W"], Win=f["Win"], bias=f["bias"], lr=float(f["lr"]),
                    ridge=float(f["ridge"]), warmup=int(f["warmup"]), feedback=1)
    assert esn.feedback == 1 and esn.reservoir.Win.shape == (40, 3)
    esn.fit(f["u"], f["y"])
    np.testing.assert_allclose(esn.Wout, f["Wout"], rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(esn.bout, f["bout"], rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(esn.run(f["u_test"]), f["pred_test"], rtol=1e-8, atol=1e-12)
    esn.save(tmp_path / "fb.npz")
    back = lacus.ESN.load(tmp_path / "fb.npz")
    assert back.feedback == 1 and back._params.reservoir.n_inputs == 2
    np.testing.assert_allclose(back.run(f["u_test"]), f["pred_test"], rtol=1e-8, atol=1e-12)


def test_force_learns_a_sine_the_loop_then_produces_alone():
    T = 4000  # 20 periods; 150 units learn it (the C test uses 300 and 8000)
    u = np.ones((T, 1))
    y = np.sin(2 * np.pi * np.arange(T) / 200.0)[:, None]
    esn = lacus.ESN(units=150, sr=1.5, lr=0.05, input_scaling=0.2, input_connectivity=1.0,
                    feedback=1, fb_scaling=1.0, warmup=50, input_dim=1, seed=42)
    esn.force(u, y, alpha=1.0, forgetting=1.0)
    assert esn.is_trained
    pred = esn.run(u)[2000:, 0]
    sd = pred.std()
    crossings = np.sum(np.diff(np.sign(pred - pred.mean())) != 0)
    assert abs(sd - np.sqrt(0.5)) < 0.1 * np.sqrt(0.5)
    assert 19 <= crossings <= 21
    with pytest.raises(lacus.LacusError) as e:
        esn.force(u[:100], y[:100], alpha=-1.0)
    assert e.value.status == -1
    plain = lacus.ESN(units=20, input_dim=1, seed=1)
    with pytest.raises(lacus.LacusError) as e:
        plain.force(u[:100], y[:100])
    assert e.value.status == -9  # no feedback: STATE


def test_fit_online_rls_equals_online_readout_on_states():
    # fit_online(rls) must equal lacus.RLS stepped over the same states,
    # which test_online_nvar checks against ReservoirPy.
    rng = np.random.default_rng(0)
    u = rng.normal(size=(300, 2))
    y = np.column_stack([np.roll(u[:, 0], 1), u[:, 1] ** 2])
    esn = lacus.ESN(units=30, sr=0.9, lr=0.5, input_dim=2, seed=3)
    esn.fit_online(u, y, method="rls", alpha=1e-2, warmup=10)
    states = esn.reservoir.run(u)[10:]
    rls = lacus.RLS(alpha=1e-2)
    rls.partial_fit(states, y[10:])
    np.testing.assert_allclose(esn.Wout, rls.Wout, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(esn.bout, rls.bias, rtol=1e-9, atol=1e-12)


def test_generate_continues_a_learned_series():
    t = np.arange(2000)
    s = np.column_stack([np.sin(t / 10.0), np.cos(t / 10.0)])
    esn = lacus.ESN(units=100, sr=0.9, lr=0.5, ridge=1e-8, input_dim=2, seed=1)
    esn.fit(s[:1500], s[1:1501], warmup=50)
    gen = esn.generate(s[1400:1500], 100)
    assert gen.shape == (100, 2)
    assert np.sqrt(np.mean((gen - s[1500:1600]) ** 2)) < 0.05
