"""Python bindings of full-FORCE (with hints), intrinsic plasticity and
local plasticity inside an ESN, and of the training-only noise: each checked
against the lacus command (same reservoir, same settings: identical weights)
and against the defining property of hints (zero hints change nothing; a
hint equals an extra fed-back target whose readout is dropped)."""

import os
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..")))

import lacus  # noqa: E402
from lacus.esn import full_force_hint_weights  # noqa: E402


def _cli():
    lib = os.environ.get("LACUS_LIBRARY")
    cands = [os.path.join(os.path.dirname(lib), "lacus")] if lib else []
    cands.append(os.path.normpath(os.path.join(HERE, "..", "..", "build", "lacus")))
    for c in cands:
        if os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    pytest.skip("no lacus command beside the library")


def _sine(T=900, period=60):
    t = np.arange(T)
    return np.sin(2 * np.pi * t / period)[:, None], ((t % period) / period)[:, None]


def _weights(esn):
    r = esn.reservoir
    return r.W, r.Win, r.bias, esn.Wout


def _cli_fit(tmp_path, name, *args):
    lacus_bin = _cli()
    subprocess.run([lacus_bin, "fit", "--input", str(tmp_path / "u.npy"),
                    "--target", str(tmp_path / "y.npy"), "--units", "40", "--seed", "5",
                    "--output", str(tmp_path / name)] + list(args),
                   check=True, capture_output=True)
    return lacus.ESN.load(tmp_path / name)


FF = ["--sr", "1.5", "--lr", "0.1", "--warmup", "20"]


def test_full_force_equals_the_command(tmp_path):
    y, h = _sine()
    np.save(tmp_path / "u.npy", y)
    np.save(tmp_path / "y.npy", y)
    np.savetxt(tmp_path / "h.csv", h)
    init = _cli_fit(tmp_path, "init.npz", "--feedback", *FF)  # the untrained reservoir
    ref = _cli_fit(tmp_path, "ff.npz", "--full-force", "--alpha", "2", *FF)
    rep = init.full_force(y, y, alpha=2.0)
    assert rep["n_learned"] == 900 - 20
    assert rep["current_nrmse_last"] < rep["current_nrmse_first"]
    # Equal up to summation order (the CSR read back from the file, BLAS
    # threads): 1e-15 absolute is measured.
    for a, b in zip(_weights(init), _weights(ref)):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-13)
    np.testing.assert_allclose(init.run(y), ref.run(y), rtol=0, atol=1e-11)
    init2 = lacus.ESN.load(tmp_path / "init.npz")
    refh = _cli_fit(tmp_path, "ffh.npz", "--full-force", "--ff-hints", str(tmp_path / "h.csv"),
                    "--ff-hint-scaling", "0.5", "--ff-hint-seed", "3", *FF)
    init2.full_force(y, y, hints=h, hint_scaling=0.5, hint_seed=3)
    for a, b in zip(_weights(init2), _weights(refh)):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-13)
    assert np.abs(init2.reservoir.W - init.reservoir.W).max() > 1e-3  # the hints mattered


def test_hints_defining_properties():
    y, h = _sine(T=700)
    u = np.ones_like(y)

    def net(fb):
        return lacus.ESN(units=30, sr=1.5, lr=0.1, input_scaling=0.2, input_connectivity=1.0,
                         feedback=fb, warmup=20, input_dim=1, seed=9)

    plain = net(1)
    plain.full_force(u, y)
    zero = net(1)
    zero.full_force(u, y, hints=np.zeros_like(h), hint_scaling=2.0)
    np.testing.assert_array_equal(plain.reservoir.W, zero.reservoir.W)
    np.testing.assert_array_equal(plain.Wout, zero.Wout)
    hinted = net(1)
    hinted.full_force(u, y, hints=h, hint_scaling=0.8, hint_seed=4)
    # The same drive, with the hint as a second fed-back "target" through u_h.
    two = net(2)
    Win = net(1).reservoir.Win
    two.reservoir.Win = np.hstack([Win, full_force_hint_weights(30, 1, 0.8, 4)])
    two.full_force(u, np.hstack([y, h]))
    np.testing.assert_allclose(hinted.reservoir.W, two.reservoir.W, rtol=0, atol=1e-11)
    np.testing.assert_allclose(hinted.Wout[:, 0], two.Wout[:, 0], rtol=0, atol=1e-11)
    w = full_force_hint_weights(30, 2, 0.5, 1)
    assert w.shape == (30, 2) and np.abs(w).max() < 0.5
    np.testing.assert_array_equal(2 * w, full_force_hint_weights(30, 2, 1.0, 1))
    with pytest.raises(lacus.LacusError) as e:
        net(1).full_force(u, y, hints=h[:-1])
    assert "hint steps" in str(e.value)
    with pytest.raises(lacus.LacusError):
        net(1).full_force(u, y, init_J="random")


def test_fit_ip_equals_the_command(tmp_path):
    y, _ = _sine()
    np.save(tmp_path / "u.npy", y[:-1])
    np.save(tmp_path / "y.npy", y[1:])
    base = ["--lr", "1", "--sr", "0.9"]
    init = _cli_fit(tmp_path, "init.npz", *base)
    ref = _cli_fit(tmp_path, "ip.npz", "--ip-epochs", "2", "--ip-eta", "0.005",
                   "--ip-sigma", "0.3", *base)
    W0 = init.reservoir.W.copy()
    a, b = init.fit_ip(y[:-1], epochs=2, eta=0.005, sigma=0.3)
    init.fit(y[:-1], y[1:])
    assert a.shape == (40,) and b.shape == (40,)
    np.testing.assert_allclose(init.reservoir.W, a[:, None] * W0, rtol=1e-15, atol=0)
    for p, q in zip(_weights(init), _weights(ref)):
        np.testing.assert_array_equal(p, q)
    with pytest.raises(lacus.LacusError):
        lacus.ESN(units=20, lr=0.5, input_dim=1).fit_ip(y)  # lr < 1: refused


def test_fit_local_equals_the_command(tmp_path):
    y, _ = _sine()
    np.save(tmp_path / "u.npy", y[:-1])
    np.save(tmp_path / "y.npy", y[1:])
    base = ["--lr", "1", "--sr", "0.9"]
    init = _cli_fit(tmp_path, "init.npz", *base)
    ref = _cli_fit(tmp_path, "oja.npz", "--local-rule", "oja", "--local-eta", "0.002",
                   "--local-epochs", "2", "--local-sr", "0.95", *base)
    nz0 = init.reservoir.W != 0
    init.fit_local(y[:-1], rule="oja", eta=0.002, epochs=2, sr_after=0.95)
    init.fit(y[:-1], y[1:])
    assert np.array_equal(init.reservoir.W != 0, nz0)  # the sparsity pattern is kept
    assert abs(np.max(np.abs(np.linalg.eigvals(init.reservoir.W))) - 0.95) < 1e-6
    for p, q in zip(_weights(init), _weights(ref)):
        np.testing.assert_array_equal(p, q)
    with pytest.raises(lacus.LacusError):
        init.fit_local(y, rule="stdp")


def test_set_noise_training_only():
    y, _ = _sine(T=600)
    esn = lacus.ESN(units=40, lr=1.0, sr=0.9, noise_rc=0.05, ridge=1e-6, warmup=10,
                    input_dim=1, seed=3)
    esn.fit(y[:-1], y[1:])
    noisy = esn.run(y)
    esn.set_noise(0.0, 0.0)
    clean = esn.run(y)
    # Reference: the noiseless equation in numpy with the same weights and
    # the readout that was trained with noise.
    W, Win, b = esn.reservoir.W, esn.reservoir.Win, esn.reservoir.bias
    x = np.zeros(40)
    ref = np.empty_like(clean)
    for t in range(len(y)):
        x = np.tanh(W @ x + Win @ y[t] + b)
        ref[t] = x @ esn.Wout + esn.bout
    np.testing.assert_allclose(clean, ref, rtol=0, atol=1e-12)
    assert np.abs(noisy - ref).max() > 1e-3  # the noise was there before
    with pytest.raises(lacus.LacusError):
        esn.set_noise(-1.0)
