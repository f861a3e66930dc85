"""Online nodes' training state in graph files: save -> load -> partial_fit
continues bit for bit, and the stored P equals the RLS recursion written
here in NumPy on the reservoir's states."""
import json
import os
import sys
import zipfile

import numpy as np

sys.path.insert(0, os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")))
import lacus  # noqa: E402


def make(alpha=1e-2, lam=0.99):
    g = lacus.Graph()
    g.input("in", 2)
    g.reservoir("res", units=15, lr=0.5, sr=0.9, seed=4)
    g.online("rls", outputs=1, method="rls", alpha=alpha, forgetting=lam)
    g.online("lms", outputs=1, method="lms", alpha=0.02)
    g.connect("in", "res")
    g.connect("res", "rls")
    g.connect("res", "lms")
    return g


def data(seed, T=200):
    r = np.random.default_rng(seed)
    u = r.uniform(-1, 1, (T, 2))
    y = np.sin(np.cumsum(u[:, :1], axis=0) * 0.3)
    return u, y


def test_save_load_partial_fit_is_exact(tmp_path):
    u1, y1 = data(1)
    u2, y2 = data(2)
    g = make()
    g.partial_fit(u1, {"rls": y1, "lms": y1})
    path = tmp_path / "g.npz"
    g.save(path)
    h = lacus.Graph.load(path)
    assert h.online_steps("rls") == g.online_steps("rls") == len(u1)
    a = g.partial_fit(u2, {"rls": y2, "lms": y2})
    b = h.partial_fit(u2, {"rls": y2, "lms": y2})
    for node in ("rls", "lms"):
        Wg, bg = g.online_weights(node)
        Wh, bh = h.online_weights(node)
        assert np.array_equal(Wg, Wh) and np.array_equal(bg, bh)
    assert np.array_equal(a, b)
    assert h.online_steps("lms") == 2 * len(u1)


def test_stored_p_is_the_rls_recursion(tmp_path):
    alpha, lam = 1e-2, 0.99
    u, y = data(3)
    g = make(alpha, lam)
    g.partial_fit(u, {"rls": y, "lms": y})
    path = tmp_path / "g.npz"
    g.save(path)
    X = g.run(u, node="res")  # partial_fit runs each sequence from the zero state too
    P = np.eye(X.shape[1]) / alpha
    s = 0.0
    for x in X:
        v = P @ x
        P = (P - np.outer(v, v) / (lam + x @ v)) / lam
        s = lam * s + 1.0
    with np.load(path) as f:
        Pf, sf = f["node2/P"], f["node2/bias_count"]
        assert "node3/P" not in f.files  # LMS keeps no P
    assert np.array_equal(Pf, Pf.T)
    assert np.max(np.abs(Pf - P)) / np.max(np.abs(P)) < 1e-9
    assert abs(sf[0] - s) < 1e-12 * s
    with zipfile.ZipFile(path) as z:
        man = json.loads(z.read("manifest.json"))
    assert man["graph_format"] == 2
    rls = man["nodes"][2]["online"]
    assert rls["state"] == ["P", "bias_count"] and rls["n_steps"] == len(u)
    assert man["nodes"][3]["online"]["state"] == []
