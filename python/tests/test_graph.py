"""lacus.Graph against ReservoirPy 0.4.2 fixtures (tests/ref/make_graph_fixtures.py):
the same chain and feedback graphs as the C golden test, built from Python."""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")))
import lacus  # noqa: E402

FIX = os.environ.get("LACUS_FIXTURES", os.path.join(os.path.dirname(__file__), "..", "..",
                                                     "tests", "fixtures"))


def load(name):
    return np.load(os.path.join(FIX, "graph", name + ".npz"))


def res(g, f, k):
    W = f["res%d_W" % k]
    g.reservoir("res%d" % k, units=W.shape[0], lr=float(f["res%d_lr" % k]), sr=0.0)


def set_all(g, f, n):
    for k in range(n):
        g.set_weights("res%d" % k, W=f["res%d_W" % k], Win=f["res%d_Win" % k],
                      bias=f["res%d_bias" % k])


def test_chain_equals_reservoirpy():
    f = load("chain")
    g = lacus.Graph()
    res(g, f, 0)
    res(g, f, 1)
    g.ridge("ro", outputs=f["y0"].shape[1], ridge=float(f["ridge"]))
    g.connect("res0", "res1")
    g.connect("res1", "ro")
    assert g.inputs == ["res0"] and g.readouts == ["ro"]
    g.initialize([f["u"].shape[1]])
    set_all(g, f, 2)
    g.fit(f["u"], f["y0"], warmup=int(f["warmup"]))
    W, b = g.readout_weights("ro")
    np.testing.assert_allclose(W, f["Wout0"], rtol=1e-8, atol=1e-10)
    pred = g.run(f["u_test"])
    np.testing.assert_allclose(pred, f["pred0"], rtol=1e-8, atol=1e-10)


def test_feedback_and_save_load(tmp_path):
    f = load("feedback")
    g = lacus.Graph()
    res(g, f, 0)
    res(g, f, 1)
    g.ridge("ro", outputs=1, ridge=float(f["ridge"]))
    g.connect("res0", "res1")
    g.connect("res1", "ro")
    g.connect("ro", "res0", delay=1)
    g.initialize([f["u"].shape[1]])
    set_all(g, f, 2)
    g.fit(f["u"], {"ro": f["y0"]}, warmup=int(f["warmup"]))
    pred = g.run(f["u_test"])
    np.testing.assert_allclose(pred, f["pred0"], rtol=1e-8, atol=1e-10)
    path = tmp_path / "g.npz"
    g.save(path)
    h = lacus.Graph.load(path)
    assert h.nodes == ["res0", "res1", "ro"]
    np.testing.assert_array_equal(h.run(f["u_test"]), pred)
    states = h.run([f["u_test"], f["u_test"][:30]], node="res1")
    assert isinstance(states, list) and states[1].shape == (30, 20)


def test_errors_name_the_problem():
    g = lacus.Graph()
    g.input("in", 2)
    with pytest.raises(lacus.LacusError, match="exists already"):
        g.input("in", 2)
    with pytest.raises(lacus.LacusError, match="no node named"):
        g.connect("in", "nowhere")
    g.reservoir("r", units=10)
    g.ridge("ro", outputs=1)
    g.connect("in", "r")
    g.connect("r", "ro")
    with pytest.raises(lacus.LacusError, match="no targets"):
        g.fit(np.zeros((20, 2)), {})
