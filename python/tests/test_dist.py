"""lacus.dist: the sharded fit and its solves. In one process the reduce
solve must give ESN.fit's model; under `mpirun -np 2` the ScaLAPACK solve
(each rank passing its own sequences) must give it within 1e-10 relative
(not bit for bit: X^T X is summed in another order)."""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..")))

import lacus  # noqa: E402
from lacus import dist  # noqa: E402

KW = dict(units=70, lr=0.4, sr=0.9, ridge=1e-4, warmup=10, seed=5)


def data():
    g = np.random.default_rng(3)
    X, Y = [], []
    for T in (220, 300, 180, 260, 240):
        u = g.uniform(-1, 1, (T, 2))
        X.append(u)
        Y.append(np.column_stack([np.roll(u[:, 0], 2) * u[:, 1], np.sin(3 * u[:, 1])]))
    return X, Y


def run_child(tmp_path, source, n_ranks, timeout):
    """Runs the script `source` under mpirun on n_ranks ranks, one thread
    each, as `python child.py PKG OUT` (PKG: the package's directory; OUT:
    the prefix its ranks write their results to); asserts that it exited
    0 and returns OUT."""
    script = tmp_path / "child.py"
    script.write_text(source)
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMP_NUM_THREADS="1", PYTHONPATH=HERE)
    pkg = os.path.normpath(os.path.join(HERE, ".."))
    fwd = ["-x", "PYTHONPATH", "-x", "OMP_NUM_THREADS"]
    if "LACUS_LIBRARY" in env:
        fwd += ["-x", "LACUS_LIBRARY"]
    out = str(tmp_path / "w")
    p = subprocess.run(["mpirun", "--oversubscribe", "-np", str(n_ranks)] + fwd +
                       [sys.executable, str(script), pkg, out],
                       env=env, capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, p.stdout + p.stderr
    return out


def rel(a, b):
    return np.max(np.abs(a - b)) / np.max(np.abs(b))


def test_reduce_in_one_process_is_the_serial_fit():
    X, Y = data()
    a, b = lacus.ESN(**KW), lacus.ESN(**KW)
    info = dist.fit_dist(a, X, Y, solve="reduce")
    b.fit(X, Y)
    assert info["solve"] == "reduce" and info["grid"] == (1, 1)
    assert rel(a.Wout, b.Wout) < 1e-9 and rel(a.bout, b.bout) < 1e-9
    assert a.Wout.shape == (70, 2)
    assert dist.size() == 1 and dist.rank() == 0 and not dist.launched()


def test_scalapack_outside_mpirun_is_refused():
    X, Y = data()
    with pytest.raises(lacus.LacusError, match="mpirun|built without ScaLAPACK"):
        dist.fit_dist(lacus.ESN(**KW), X, Y, solve="scalapack")
    with pytest.raises(lacus.LacusError, match="expected auto, reduce or scalapack"):
        dist.fit_dist(lacus.ESN(**KW), X, Y, solve="lu")
    with pytest.raises(lacus.LacusError, match="block = -2"):
        dist.fit_dist(lacus.ESN(**KW), X, Y, solve="reduce", block=-2)
    with pytest.raises(lacus.LacusError, match="every rank holds the N x N sums"):
        dist.fit_dist(lacus.ESN(**KW), X, Y, solve="reduce", rank_mem_mb=0.01)


def test_solve_bytes():
    n2 = 8.0 * 8000 ** 2
    assert dist.solve_bytes("reduce", 8000, 3, 2) > 2.5 * n2
    two = dist.solve_bytes("scalapack", 8000, 3, 2)
    four = dist.solve_bytes("scalapack", 8000, 3, 4)
    assert n2 / 2 < two < n2 and n2 / 4 < four < n2 / 2
    with pytest.raises(lacus.LacusError):
        dist.solve_bytes("scalapack", 0, 3, 2)


CHILD = r"""
import sys, numpy as np
sys.path.insert(0, sys.argv[1])
import lacus
from lacus import dist
from test_dist import data, KW
dist.init()
r, k = dist.rank(), dist.size()
X, Y = data()
mine = [i for i in range(len(X)) if i % k == r]
e = lacus.ESN(input_dim=2, **KW)
info = dist.fit_dist(e, [X[i] for i in mine], [Y[i] for i in mine], ids=mine,
                     solve="scalapack", block=16)
assert info["solve"] == "scalapack" and info["grid"] == (1, k), info
np.save(sys.argv[2] + "_%d.npy" % r, np.vstack([e.Wout, e.bout[None, :]]))
dist.finalize()
"""


@pytest.mark.skipif(not dist.scalapack_available() or not shutil.which("mpirun")
                    or "LD_PRELOAD" in os.environ,
                    reason="needs a build with ScaLAPACK, mpirun, and no sanitizer preload")
def test_scalapack_on_two_ranks_equals_the_serial_fit(tmp_path):
    X, Y = data()
    ref = lacus.ESN(**KW).fit(X, Y)
    out = run_child(tmp_path, CHILD, 2, timeout=120)
    w0, w1 = np.load(out + "_0.npy"), np.load(out + "_1.npy")
    assert np.array_equal(w0, w1)  # every rank returns the same model
    want = np.vstack([ref.Wout, ref.bout[None, :]])
    print("scalapack on 2 ranks vs ESN.fit: %.2e" % rel(w0, want))
    assert rel(w0, want) < 1e-10


def test_fallback_is_reported():
    """A linear reservoir driven by 2 inputs has states of low numerical
    rank: with ridge 0 the Cholesky factorisation fails and the serial
    solve falls back to Bunch-Kaufman; fit_dist reports it (ScaLAPACK's
    LU fallback: tests/cli/test_mpi_fallback.sh). With a ridge it does not."""
    X, Y = data()
    kw = dict(KW, activation="identity", sr=0.5, lr=1.0, ridge=0.0, units=80)
    info = dist.fit_dist(lacus.ESN(**kw), X, Y, solve="reduce")
    assert info["fallback"] and info["failed_minor"] == 0
    info = dist.fit_dist(lacus.ESN(**dict(kw, ridge=1e-4)), X, Y, solve="reduce")
    assert not info["fallback"]
