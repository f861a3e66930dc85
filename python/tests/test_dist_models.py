"""lacus.dist.fit_stack_dist and fit_graph_dist (lacus_stack_fit_dist_ex,
lacus_graph_fit_dist_ex), with the bounds of the C tests
(tests/cli/test_mpi_stack_scalapack.sh, test_mpi_graph2.sh,
test_mpi_graph_scalapack.sh):
  - one process: the reduce stack is Stack.fit's bit for bit; the graph is
    within 1e-10 of Graph.fit's (double-double sums against plain ones), and
    the same byte for byte with ids (each rank's own sequences) or without;
  - under `mpirun --oversubscribe -np 1, 2, 3`: every rank ends with the same
    model; the reduce stack equals Stack.fit bit for bit; the reduce graph
    (all sequences, or each rank's own with ids) equals the one-process
    fit_graph_dist byte for byte; ScaLAPACK is within 1e-10 relative of the
    serial fits; a NaN in the last rank's share makes every rank raise the
    same error, naming that rank."""

import os
import shutil
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..")))

import lacus  # noqa: E402
from lacus import dist  # noqa: E402
from test_dist import run_child  # noqa: E402

LAYERS = [dict(units=50, lr=0.5, sr=0.9, ridge=1e-4, warmup=10, seed=5),
          dict(units=40, lr=0.4, sr=0.8, ridge=1e-4, warmup=10, seed=6, input_scaling=0.5)]


def data():
    g = np.random.default_rng(11)
    X, Y0, Y1 = [], [], []
    for T in (220, 300, 180, 260, 240):
        u = g.uniform(-1, 1, (T, 2))
        X.append(u)
        Y0.append(np.column_stack([np.roll(u[:, 0], 2) * u[:, 1], np.sin(3 * u[:, 1])]))
        Y1.append(np.cumsum(u[:, :1], axis=0) / np.sqrt(np.arange(1, T + 1))[:, None])
    return X, Y0, Y1


def make_stack(teacher):
    return lacus.Stack([dict(k) for k in LAYERS], outputs=[2, 1], teacher_inputs=teacher)


def make_graph():
    """in >> r0 >> ro0 >> r1 >> ro1, with state noise in r0 (its stream is
    numbered by the sequence, not by the rank)."""
    g = lacus.Graph()
    g.input("in", 2)
    g.reservoir("r0", units=50, lr=0.5, sr=0.9, seed=3, noise_rc=1e-4)
    g.ridge("ro0", outputs=2, ridge=1e-5)
    g.reservoir("r1", units=30, lr=0.7, sr=0.8, seed=4)
    g.ridge("ro1", outputs=1, ridge=1e-5)
    g.connect("in", "r0")
    g.connect("r0", "ro0")
    g.connect("ro0", "r1")
    g.connect("r1", "ro1")
    return g


def stack_weights(s):
    return np.concatenate([np.vstack([w, b[None, :]]).ravel() for w, b in
                           (s.weights(k) for k in range(s.n_layers))])


def graph_weights(g):
    return np.concatenate([np.vstack([w, b[None, :]]).ravel() for w, b in
                           (g.readout_weights(r) for r in ("ro0", "ro1"))])


def rel(a, b):
    return np.max(np.abs(a - b)) / np.max(np.abs(b))


@pytest.mark.parametrize("teacher", [True, False])
def test_stack_reduce_in_one_process_is_stack_fit(teacher):
    X, Y0, Y1 = data()
    a = dist.fit_stack_dist(make_stack(teacher), X, [Y0, Y1], solve="reduce")
    b = make_stack(teacher).fit(X, [Y0, Y1])
    assert np.array_equal(stack_weights(a), stack_weights(b))
    assert a.train_mse(1) == b.train_mse(1) and np.isfinite(a.train_mse(1))
    pa, pb = a.run(X[:2]), b.run(X[:2])
    assert all(np.array_equal(p, q) for p, q in zip(pa, pb))
    # and the stack learned something: layer 0's training MSE under the targets' variance
    assert a.train_mse(0) < 0.5 * np.var(np.vstack(Y0))


def test_graph_reduce_in_one_process():
    X, Y0, Y1 = data()
    a = dist.fit_graph_dist(make_graph(), X, {"ro0": Y0, "ro1": Y1}, warmup=10)
    b = make_graph().fit(X, {"ro0": Y0, "ro1": Y1}, warmup=10)
    c = dist.fit_graph_dist(make_graph(), X, {"ro0": Y0, "ro1": Y1}, warmup=10,
                            ids=np.arange(len(X)))
    wa, wb, wc = graph_weights(a), graph_weights(b), graph_weights(c)
    print("fit_graph_dist vs Graph.fit: %.2e" % rel(wa, wb))
    assert rel(wa, wb) < 1e-10
    assert np.array_equal(wa, wc)
    assert np.array_equal(a.run(X[0]), c.run(X[0]))


def test_errors():
    X, Y0, Y1 = data()
    with pytest.raises(lacus.LacusError, match="mpirun|built without ScaLAPACK"):
        dist.fit_stack_dist(make_stack(True), X, [Y0, Y1], solve="scalapack")
    with pytest.raises(lacus.LacusError, match="mpirun|built without ScaLAPACK"):
        dist.fit_graph_dist(make_graph(), X, {"ro0": Y0, "ro1": Y1}, solve="scalapack")
    with pytest.raises(lacus.LacusError, match="expected auto, reduce or scalapack"):
        dist.fit_stack_dist(make_stack(True), X, [Y0, Y1], solve="lu")
    with pytest.raises(lacus.LacusError, match="2 sets for 2 layers|1 sets for 2 layers"):
        dist.fit_stack_dist(make_stack(True), X, [Y0], solve="reduce")
    with pytest.raises(lacus.LacusError, match="ids: 2 for 5 sequences"):
        dist.fit_graph_dist(make_graph(), X, {"ro0": Y0, "ro1": Y1}, ids=[0, 1])
    with pytest.raises(lacus.LacusError, match="no targets for readout"):
        dist.fit_graph_dist(make_graph(), X, {"ro0": Y0})
    bad = [x.copy() for x in X]
    bad[3][7, 1] = np.nan
    with pytest.raises(lacus.LacusError, match="sequence 3"):
        dist.fit_graph_dist(make_graph(), bad, {"ro0": Y0, "ro1": Y1}, warmup=10)
    with pytest.raises(lacus.LacusError):
        dist.fit_stack_dist(make_stack(True), bad, [Y0, Y1], solve="reduce")


CHILD = r"""
import sys, numpy as np
sys.path.insert(0, sys.argv[1])
import lacus
from lacus import dist
from test_dist_models import data, make_stack, make_graph, stack_weights, graph_weights
dist.init()
r, k = dist.rank(), dist.size()
X, Y0, Y1 = data()
out = {}
for teacher in (True, False):
    s = dist.fit_stack_dist(make_stack(teacher), X, [Y0, Y1], solve="reduce")
    out["stack_reduce_%d" % teacher] = stack_weights(s)
g = dist.fit_graph_dist(make_graph(), X, {"ro0": Y0, "ro1": Y1}, warmup=10)
out["graph_reduce"] = graph_weights(g)
mine = [i for i in range(len(X)) if i % k == r]
g = dist.fit_graph_dist(make_graph(), [X[i] for i in mine],
                        {"ro0": [Y0[i] for i in mine], "ro1": [Y1[i] for i in mine]},
                        warmup=10, ids=mine)
out["graph_local"] = graph_weights(g)
if dist.scalapack_available():
    s = dist.fit_stack_dist(make_stack(True), X, [Y0, Y1], solve="scalapack", block=16)
    out["stack_scalapack"] = stack_weights(s)
    g = dist.fit_graph_dist(make_graph(), X, {"ro0": Y0, "ro1": Y1}, warmup=10,
                            solve="scalapack", block=16)
    out["graph_scalapack"] = graph_weights(g)
# A NaN in the last rank's own share: every rank must raise the same error.
mine_bad = [x.copy() for x in (X[i] for i in mine)]
if r == k - 1:
    mine_bad[-1][5, 0] = np.nan
try:
    dist.fit_graph_dist(make_graph(), mine_bad,
                        {"ro0": [Y0[i] for i in mine], "ro1": [Y1[i] for i in mine]},
                        warmup=10, ids=mine)
    msg = "no error"
except lacus.LacusError as e:
    msg = str(e)
np.savez(sys.argv[2] + "_%d.npz" % r, msg=np.array(msg), **out)
dist.finalize()
"""


@pytest.mark.skipif(not dist.available() or not shutil.which("mpirun")
                    or "LD_PRELOAD" in os.environ,
                    reason="needs a build with MPI, mpirun, and no sanitizer preload")
@pytest.mark.parametrize("np_", [1, 2, 3])
def test_under_mpirun(tmp_path, np_):
    X, Y0, Y1 = data()
    want_stack = {t: stack_weights(make_stack(t).fit(X, [Y0, Y1])) for t in (True, False)}
    want_graph = graph_weights(make_graph().fit(X, {"ro0": Y0, "ro1": Y1}, warmup=10))
    one_graph = graph_weights(dist.fit_graph_dist(make_graph(), X, {"ro0": Y0, "ro1": Y1},
                                                  warmup=10))
    out = run_child(tmp_path, CHILD, np_, timeout=240)
    ranks = [np.load(out + "_%d.npz" % r) for r in range(np_)]
    keys = sorted(k for k in ranks[0].files if k != "msg")
    for r in ranks[1:]:  # every rank returns the same model
        for key in keys:
            assert np.array_equal(r[key], ranks[0][key]), key
    got = ranks[0]
    for t in (True, False):  # the reduce stack is Stack.fit's, bit for bit
        assert np.array_equal(got["stack_reduce_%d" % t], want_stack[t])
    # the reduce graph does not depend on K nor on who holds what
    assert np.array_equal(got["graph_reduce"], one_graph)
    assert np.array_equal(got["graph_local"], one_graph)
    assert rel(got["graph_reduce"], want_graph) < 1e-10
    if "stack_scalapack" in got.files:
        print("np %d: scalapack stack %.2e, graph %.2e" % (
            np_, rel(got["stack_scalapack"], want_stack[True]),
            rel(got["graph_scalapack"], one_graph)))
        assert rel(got["stack_scalapack"], want_stack[True]) < 1e-10
        assert rel(got["graph_scalapack"], one_graph) < 1e-10
    msgs = {str(r["msg"]) for r in ranks}
    assert len(msgs) == 1, msgs  # the same error on every rank
    msg = msgs.pop()
    assert msg != "no error"
    if np_ > 1:
        assert ("rank %d" % (np_ - 1)) in msg, msg
    assert "NaN" in msg or "finite" in msg, msg
