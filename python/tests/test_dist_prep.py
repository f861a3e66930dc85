"""lacus.dist.prep_fit_dist (lacus_prep_fit_dist) in one process: the
statistics equal NumPy's (min/max exactly, mean/var to 1e-14), do not
depend on the order of the sequences (same ids), and bad data raise with
the sequence's id. The multi-rank equality is tests/cli/test_mpi_prep.sh."""

import os
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..")))

import lacus  # noqa: E402
from lacus import dist  # noqa: E402


def data():
    rng = np.random.default_rng(7)
    # Column 1 at offset 1e6 with spread 1e-3: the naive sum of squares
    # would lose most digits of its variance.
    seqs = []
    for n in (40, 13, 77, 5):
        x = rng.normal(size=(n, 3))
        x[:, 1] = 1e6 + 1e-3 * x[:, 1]
        x[:, 2] *= 50
        seqs.append(x)
    return seqs, np.array([3, 10, 11, 40])


def test_rank_size():
    assert dist.rank() == 0 and dist.size() == 1


def test_minmax_exact():
    seqs, ids = data()
    got = dist.prep_fit_dist(seqs, ids, "minmax")
    allx = np.vstack(seqs)
    assert np.array_equal(got["min"], allx.min(0))
    assert np.array_equal(got["max"], allx.max(0))
    assert got["n_samples"] == allx.shape[0]


def test_zscore_numpy_and_order():
    seqs, ids = data()
    got = dist.prep_fit_dist(seqs, ids, "zscore")
    rev = dist.prep_fit_dist(seqs[::-1], ids[::-1], "zscore")
    allx = np.vstack(seqs)
    mean = allx.mean(0)
    var = ((allx - mean) ** 2).mean(0)
    assert np.allclose(got["mean"], mean, rtol=1e-14, atol=0)
    assert np.allclose(got["var"], var, rtol=1e-12, atol=0)
    assert np.array_equal(got["mean"], rev["mean"])  # bit for bit
    assert np.array_equal(got["var"], rev["var"])


def test_onehot_categories():
    labels = [np.array([[3.0], [1.0], [3.0]]), np.array([[7.0], [1.0]])]
    got = dist.prep_fit_dist(labels, [0, 1], "onehot")
    assert list(got["categories"]) == [1.0, 3.0, 7.0]
    assert got["n_samples"] == 5


def test_bad_input():
    seqs, ids = data()
    seqs[2] = seqs[2].copy()
    seqs[2][4, 0] = np.nan
    with pytest.raises(lacus.LacusError, match="sequence 11"):
        dist.prep_fit_dist(seqs, ids, "zscore")
    with pytest.raises(lacus.LacusError, match="ids"):
        dist.prep_fit_dist(seqs, ids[:2], "zscore")
    with pytest.raises(lacus.LacusError, match="no sequences"):
        dist.prep_fit_dist([], [], "minmax")
