"""lacus.Graph prep and online nodes, against ReservoirPy 0.4.2 fixtures
(tests/ref/make_graph_fixtures.py online) and against scaling by hand."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")))
import lacus  # noqa: E402

FIX = os.environ.get("LACUS_FIXTURES", os.path.join(os.path.dirname(__file__), "..", "..",
                                                     "tests", "fixtures"))


def load(name):
    return np.load(os.path.join(FIX, "graph2", name + ".npz"))


def rel(a, b):
    return np.max(np.abs(a - b)) / np.max(np.abs(b))


def test_rls_node_fit_equals_reservoirpy():
    f = load("online_fit_rls")
    g = lacus.Graph()
    g.reservoir("res0", units=f["res0_W"].shape[0], lr=float(f["res0_lr"]), sr=0.0)
    g.online("rls", outputs=f["y0"].shape[1], method="rls", alpha=1e-3)
    g.connect("res0", "rls")
    g.initialize([f["u"].shape[1]])
    g.set_weights("res0", W=f["res0_W"], Win=f["res0_Win"], bias=f["res0_bias"])
    g.fit(f["u"], f["y0"], warmup=int(f["warmup"]))
    W, b = g.online_weights("rls")
    assert rel(W, f["Wout0"]) < 1e-8 and rel(b, f["bout0"]) < 1e-8
    assert rel(g.run(f["u_test"]), f["pred0"]) < 1e-8
    assert g.kind("rls") == "online"


def test_partial_fit_equals_reservoirpy():
    f = load("online_partial")
    g = lacus.Graph()
    g.input("in", f["u"].shape[1])
    g.reservoir("res0", units=f["res0_W"].shape[0], lr=float(f["res0_lr"]), sr=0.0)
    g.online("rls", outputs=2, method="rls", alpha=1e-2, forgetting=0.999)
    g.reservoir("res1", units=f["res1_W"].shape[0], lr=float(f["res1_lr"]), sr=0.0)
    g.online("lms", outputs=1, method="lms", alpha=0.05)
    for a, b in (("in", "res0"), ("in", "rls"), ("res0", "rls"), ("rls", "res1"), ("res1", "lms")):
        g.connect(a, b)
    g.initialize([f["u"].shape[1]])
    g.set_weights("res0", W=f["res0_W"], Win=f["res0_Win"], bias=f["res0_bias"])
    g.set_weights("res1", W=f["res1_W"], Win=f["res1_Win"], bias=f["res1_bias"])
    o1 = g.partial_fit(f["u"], {"rls": f["y_rls"], "lms": f["y_lms"]})
    o2 = g.partial_fit(f["u_test"], {"rls": f["y2_rls"], "lms": f["y2_lms"]})
    assert rel(o1, f["train_lms"]) < 1e-8 and rel(o2, f["train2_lms"]) < 1e-8
    assert rel(g.online_weights("lms")[0], f["Wout_lms"]) < 1e-8


def test_minmax_prep_node_equals_scaling_by_hand(tmp_path):
    t = np.arange(400)
    u = np.stack([50 + 20 * np.sin(0.07 * t), -3e3 + 800 * np.cos(0.031 * t)], axis=1)
    y = np.sin(0.07 * (t + 3))[:, None]
    lo, hi = u[:300].min(0), u[:300].max(0)
    scaled = -1 + 2 * (u - lo) / (hi - lo)

    def graph(prep):
        g = lacus.Graph()
        g.input("in", 2)
        if prep:
            g.prep("scale", "minmax")
        g.reservoir("res", units=30, lr=0.5, sr=0.9, seed=3)
        g.ridge("ro", outputs=1, ridge=1e-4)
        g.connect("in", "scale" if prep else "res")
        if prep:
            g.connect("scale", "res")
        g.connect("res", "ro")
        return g
    a, b = graph(True), graph(False)
    a.fit(u[:300], y[:300], warmup=10)
    b.fit(scaled[:300], y[:300], warmup=10)
    assert rel(a.run(u[300:]), b.run(scaled[300:])) < 1e-9
    a.save(tmp_path / "g.npz")
    c = lacus.Graph.load(tmp_path / "g.npz")
    assert np.array_equal(a.run(u[300:]), c.run(u[300:]))
    assert c.kind("scale") == "prep"
