"""lacus.NVARForecaster with targets (NVAR regression) and over MPI ranks
(fit_dist): the same weights as the lacus command (flags and config), bit
for bit; the 2-rank model equals the one-process fit_dist bit for bit (its
double-double sums do not depend on how the sequences are spread); targets
are aligned row for row (NumPy's normal equations)."""

import itertools
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..")))

import lacus  # noqa: E402
from lacus import datasets, dist  # noqa: E402
from test_dist import run_child  # noqa: E402


def cli():
    lib = os.environ.get("LACUS_LIBRARY")
    path = os.path.join(os.path.dirname(os.path.abspath(lib)), "lacus") if lib else os.path.normpath(
        os.path.join(HERE, "..", "..", "build", "lacus"))
    return path if os.access(path, os.X_OK) else None


def series():
    """Four Lorenz-63 pieces of different lengths, cut from one run."""
    x = datasets.lorenz(3000, h=0.025)[300:]
    cuts = np.cumsum([0, 700, 520, 810, 670])
    return [x[a:b] for a, b in zip(cuts[:-1], cuts[1:])]


def features(u):
    """NVAR(delay=2, order=2, strides=1) of u, in NumPy (ReservoirPy's order)."""
    lin = np.hstack([u, np.vstack([np.zeros((1, u.shape[1])), u[:-1]])])
    pairs = list(itertools.combinations_with_replacement(range(lin.shape[1]), 2))
    return np.hstack([lin, np.stack([lin[:, i] * lin[:, j] for i, j in pairs], axis=1)])


@pytest.mark.skipif(cli() is None, reason="needs the lacus binary beside liblacus.so")
def test_targets_equal_the_command_line_and_the_config(tmp_path):
    xs = series()
    files = []
    for k, x in enumerate(xs):
        np.save(tmp_path / ("xy%d.npy" % k), x[:, :2])
        np.save(tmp_path / ("z%d.npy" % k), x[:, 2:])
        files += ["--input", "xy%d.npy" % k, "--target", "z%d.npy" % k]
    args = ["--delay", "3", "--strides", "2", "--ridge", "1e-3", "--warmup", "8"]
    subprocess.run([cli(), "fit", "--model", "nvar"] + files + args + ["--output", "cli.npz"],
                   cwd=tmp_path, check=True, capture_output=True)
    (tmp_path / "c.json").write_text(json.dumps({
        "model": "nvar", "input": ["xy%d.npy" % k for k in range(4)],
        "target": ["z%d.npy" % k for k in range(4)], "output": "cfg.npz",
        "nvar": {"delay": 3, "strides": 2, "ridge": 1e-3, "warmup": 8}}))
    subprocess.run([cli(), "fit", "c.json"], cwd=tmp_path, check=True, capture_output=True)
    m = lacus.NVARForecaster(delay=3, strides=2, ridge=1e-3, warmup=8)
    m.fit([x[:, :2] for x in xs], [x[:, 2:] for x in xs])
    for f in ("cli.npz", "cfg.npz"):
        z = np.load(tmp_path / f)
        assert np.array_equal(z["Wout"], m.Wout) and np.array_equal(z["bout"], m.bias)
    assert m.Wout.shape == (6 + 21, 1) and m.n_outputs == 1 and m.n_inputs == 2
    assert (tmp_path / "cli.npz").read_bytes() == (tmp_path / "cfg.npz").read_bytes()
    p = m.predict(xs[0][:, :2])
    assert p.shape == (len(xs[0]), 1)
    with pytest.raises(lacus.LacusError, match="no closed loop"):
        m.generate(xs[0][:, :2], 5)


def test_target_rows_are_aligned():
    """The weights solve NumPy's centred normal equations for row t of the
    features against y[t] (measured 3.6e-16); one row off leaves 9.8e-5."""
    xs = series()
    m = lacus.NVARForecaster(ridge=1e-3, warmup=4).fit([x[:, :2] for x in xs],
                                                     [x[:, 2:] for x in xs])
    for shift, ok in ((0, True), (1, False)):
        F = np.vstack([features(x[:, :2])[4 - shift:len(x) - shift] for x in xs])
        Y = np.vstack([x[4:, 2:] for x in xs])
        Fc, Yc = F - F.mean(0), Y - Y.mean(0)
        G = Fc.T @ Fc
        r = np.abs((G + 1e-3 * np.eye(len(G))) @ m.Wout - Fc.T @ Yc).max() / (
            np.abs(G).max() * np.abs(m.Wout).max())
        assert (r < 1e-13) == ok, (shift, r)
        if ok:
            assert np.allclose(m.bias, Y.mean(0) - F.mean(0) @ m.Wout, rtol=1e-10, atol=0)


def test_fit_dist_in_one_process():
    xs = series()
    one = lacus.NVARForecaster(ridge=1e-4).fit(xs[1])
    d1 = lacus.NVARForecaster(ridge=1e-4).fit_dist([xs[1]])
    assert np.array_equal(one.Wout, d1.Wout) and np.array_equal(one.bias, d1.bias)
    a = lacus.NVARForecaster(ridge=1e-4, predicts="next").fit_dist(xs, ids=[10, 11, 12, 13])
    b = lacus.NVARForecaster(ridge=1e-4, predicts="next").fit_dist(xs[::-1])
    assert np.array_equal(a.Wout, b.Wout) and np.array_equal(a.bias, b.bias)
    with pytest.raises(lacus.LacusError, match="solver = lstsq needs every training row"):
        lacus.NVARForecaster(solver="lstsq").fit_dist(xs)
    bad = [x.copy() for x in xs]
    bad[2][7, 1] = np.nan
    with pytest.raises(lacus.LacusError, match="sequence 12"):
        lacus.NVARForecaster().fit_dist(bad, ids=[10, 11, 12, 13])
    with pytest.raises(ValueError, match="ids: 2 values for 4 sequences"):
        lacus.NVARForecaster().fit_dist(xs, ids=[1, 2])
    with pytest.raises(ValueError, match="predicts='delta'"):
        lacus.NVARForecaster(predicts="delta")
    assert a.dist_info["solve"] == "reduce" and a.dist_info["grid"] == (1, 1)
    with pytest.raises(lacus.LacusError, match="mpirun|without ScaLAPACK"):
        lacus.NVARForecaster().fit_dist(xs, solve="scalapack")


CHILD = r"""
import sys
sys.path.insert(0, sys.argv[1])
import numpy as np
import lacus
from lacus import dist
from test_nvar6 import series
dist.init()
r, k = dist.rank(), dist.size()
xs = series()
mine = [i for i in range(len(xs)) if i % k == r]
m = lacus.NVARForecaster(ridge=1e-4).fit_dist([xs[i] for i in mine], ids=mine)
assert m.dist_info["solve"] == "reduce", m.dist_info
t = lacus.NVARForecaster(ridge=1e-3).fit_dist([xs[i][:, :2] for i in mine],
                                              [xs[i][:, 2:] for i in mine], ids=mine)
np.save(sys.argv[2] + "_%d.npy" % r, np.vstack([m.Wout, m.bias[None, :]]))
np.save(sys.argv[2] + "_t%d.npy" % r, np.vstack([t.Wout, t.bias[None, :]]))
if dist.scalapack_available():  # targets of random inputs: well-conditioned
    g = np.random.default_rng(2)
    us = [g.uniform(-1, 1, (T, 3)) for T in (200, 260, 230, 210)]
    ys = [np.column_stack([np.roll(u[:, 0], 1) * u[:, 1], np.sin(u[:, 2])]) for u in us]
    s = lacus.NVARForecaster(delay=3, ridge=1e-4).fit_dist([us[i] for i in mine], [ys[i] for i in mine],
                                                          solve="scalapack", block=8)
    assert s.dist_info["solve"] == "scalapack" and s.dist_info["grid"] == (1, k), s.dist_info
    np.save(sys.argv[2] + "_s%d.npy" % r, np.vstack([s.Wout, s.bias[None, :]]))
dist.finalize()
"""


@pytest.mark.skipif(not dist.available() or not shutil.which("mpirun")
                    or "LD_PRELOAD" in os.environ,
                    reason="needs a build with MPI, mpirun, and no sanitizer preload")
@pytest.mark.parametrize("ranks", [2, 3])
def test_fit_dist_over_ranks_equals_one_process(tmp_path, ranks):
    xs = series()
    ref = lacus.NVARForecaster(ridge=1e-4).fit_dist(xs)
    reft = lacus.NVARForecaster(ridge=1e-3).fit_dist([x[:, :2] for x in xs],
                                                     [x[:, 2:] for x in xs])
    out = run_child(tmp_path, CHILD, ranks, timeout=120)
    for name, want in (("_%d.npy", np.vstack([ref.Wout, ref.bias[None, :]])),
                       ("_t%d.npy", np.vstack([reft.Wout, reft.bias[None, :]]))):
        got = [np.load(out + name % r) for r in range(ranks)]
        for g in got:  # every rank holds the model, bit for bit the one-process fit_dist
            assert np.array_equal(g, want)
    if dist.scalapack_available():
        g = np.random.default_rng(2)
        us = [g.uniform(-1, 1, (T, 3)) for T in (200, 260, 230, 210)]
        ys = [np.column_stack([np.roll(u[:, 0], 1) * u[:, 1], np.sin(u[:, 2])]) for u in us]
        red = lacus.NVARForecaster(delay=3, ridge=1e-4).fit_dist(us, ys, solve="reduce")
        want = np.vstack([red.Wout, red.bias[None, :]])
        got = [np.load(out + "_s%d.npy" % r) for r in range(ranks)]
        for g in got:  # the same on every rank; the reduce solve's within rounding
            assert np.array_equal(g, got[0])
        d = np.abs(got[0] - want).max() / np.abs(want).max()
        print("scalapack on %d ranks vs reduce: %.2e" % (ranks, d))
        assert d < 1e-12
