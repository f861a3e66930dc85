"""lacus.datasets' newer generators against ReservoirPy 0.4.2 fixtures
(tests/ref/make_generator2_fixtures.py), with the tolerances the C tests
measured (chaos amplifies round-off: the comparisons stop where they do)."""

import os
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..")))

import lacus  # noqa: E402
from lacus import datasets  # noqa: E402

FIX = os.environ.get("LACUS_FIXTURES") or os.path.normpath(
    os.path.join(HERE, "..", "..", "tests", "fixtures"))


def d(name):
    return np.load(os.path.join(FIX, "datasets", name + ".npy"))


def rel(a, b):
    return np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1.0)


def test_lorenz96_equals_reservoirpy():
    assert rel(datasets.lorenz96(150), d("l96_default")) < 1e-10
    out = datasets.lorenz96(300, warmup=50, N=5, F=10.0, h=0.1, x0=d("l96_custom_x0"))
    assert out.shape == (250, 5) and rel(out, d("l96_custom")) < 1e-10
    with pytest.raises(lacus.LacusError) as e:
        datasets.lorenz96(10, N=3)
    assert "N = 3" in e.value.message
    with pytest.raises(lacus.LacusError):
        datasets.lorenz96(10, N=5, x0=[1.0, 2.0])


def test_kuramoto_sivashinsky_equals_reservoirpy():
    try:
        out = datasets.kuramoto_sivashinsky(40)
    except lacus.LacusError as e:
        if e.status == -8:
            pytest.skip("library built without FFTW3")
        raise
    assert rel(out, d("ks_default")) < 1e-10
    out = datasets.kuramoto_sivashinsky(300, warmup=100, N=32, M=8, h=0.5, x0=d("ks_custom_x0"))
    assert out.shape == (200, 32) and rel(out[:100], d("ks_custom")[:100]) < 1e-8


def test_japanese_vowels_synthetic():
    xs, y = datasets.japanese_vowels_synthetic(n_per_class=5, seed=3)
    assert len(xs) == 45 and list(np.bincount(y)) == [5] * 9
    assert all(x.shape[1] == 12 and 7 <= x.shape[0] <= 29 for x in xs)
    xs2, _ = datasets.japanese_vowels_synthetic(n_per_class=5, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip(xs, xs2))
    with pytest.raises(lacus.LacusError):
        datasets.japanese_vowels_synthetic(min_len=10, max_len=5)
