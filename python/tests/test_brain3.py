"""lacus.brain bindings added in round 3: the cross-subject ceiling, the
hyper-gradient banded ridge, 1/f noise, the banded simulator and the FIF
reader, each checked against an independent NumPy computation, the himalaya
/ MNE fixtures, or the `lacus` command's output for the same call."""

import os
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..")))

from lacus import brain  # noqa: E402
from lacus._capi import LacusError  # noqa: E402

FIX = os.environ.get("LACUS_FIXTURES") or os.path.normpath(
    os.path.join(HERE, "..", "..", "tests", "fixtures"))


def cli():
    """The lacus binary next to the library under test, or None."""
    lib = os.environ.get("LACUS_LIBRARY")
    path = os.path.join(os.path.dirname(lib), "lacus") if lib else os.path.normpath(
        os.path.join(HERE, "..", "..", "build", "lacus"))
    return path if os.access(path, os.X_OK) else None


def rel(a, b):
    return np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300)


# --- cross-subject ceiling ------------------------------------------------------------

def test_cross_subject_ceiling_equals_numpy():
    rng = np.random.default_rng(3)
    m, n, t = 5, 300, 40
    shared = rng.standard_normal((n, t))
    data = shared[None] + rng.standard_normal((m, n, t)) * np.linspace(0.5, 3.0, t)
    loo, ceil = brain.cross_subject_ceiling(data)
    # leave-one-subject-out r, by NumPy
    ref = np.empty((m, t))
    for s in range(m):
        others = np.delete(data, s, axis=0).mean(0)
        a = data[s] - data[s].mean(0)
        b = others - others.mean(0)
        ref[s] = (a * b).sum(0) / np.sqrt((a * a).sum(0) * (b * b).sum(0))
    assert rel(loo, ref) < 1e-12
    # ceiling: the positive root a of a^2 - rho^2 a (m-2)/(m-1) - rho^2/(m-1) = 0
    rho = ref.mean(0)
    bq = rho ** 2 * (m - 2) / (m - 1)
    a = (bq + np.sqrt(bq ** 2 + 4 * rho ** 2 / (m - 1))) / 2
    assert rel(ceil, np.where(rho > 0, np.sqrt(a), 0.0)) < 1e-12
    # and the ideal r it estimates: signal variance 1, noise sd s -> r* = 1/sqrt(1+s^2)
    r_ideal = 1 / np.sqrt(1 + np.linspace(0.5, 3.0, t) ** 2)
    assert abs(np.mean(ceil - r_ideal)) < 0.03


def test_cross_subject_ceiling_matches_cli(tmp_path):
    exe = cli()
    if exe is None:
        pytest.skip("no lacus binary beside the library")
    f = np.load(os.path.join(FIX, "brain2", "ceiling.npz"))
    data = f[f.files[0]] if "data" not in f.files else f["data"]
    np.save(tmp_path / "s.npy", data)
    subprocess.run([exe, "encode", "ceiling", "--subjects", str(tmp_path / "s.npy"), "--output",
                    str(tmp_path / "c.npz")], check=True, capture_output=True)
    z = np.load(tmp_path / "c.npz")
    loo, ceil = brain.cross_subject_ceiling(data)
    assert np.array_equal(z["ceiling"], ceil)
    assert np.array_equal(z["loo_r"], loo)


def test_cross_subject_ceiling_bad_input():
    with pytest.raises(ValueError, match="3-D"):
        brain.cross_subject_ceiling(np.zeros((3, 4)))
    with pytest.raises(LacusError):
        brain.cross_subject_ceiling(np.zeros((1, 10, 3)))


# --- hyper-gradient banded ridge ------------------------------------------------------

@pytest.mark.parametrize("name", ["hypergrad_default", "hypergrad_cg_direct", "hypergrad_batch"])
def test_hypergrad_equals_himalaya(name):
    f = np.load(os.path.join(FIX, "brain2", name + ".npz"))
    o = f["options"]
    m = brain.BandedRidgeHyperGrad(
        f["band_sizes"].astype(np.int64), max_iter=int(o[0]), n_targets_batch=int(o[1]),
        inner_cg=bool(o[2]), direct_gradient=bool(o[3]), tol=float(o[4]),
        max_iter_inner_dual=int(o[5]), max_iter_inner_hyper=int(o[6]),
        initial_deltas=f["initial_deltas"]).fit(f["X"], f["Y"])
    assert np.max(np.abs(m.deltas_ - f["deltas"])) / max(np.max(np.abs(f["deltas"])), 1) < 1e-8
    assert rel(m.coef_, f["coef"]) < 1e-8
    assert rel(m.cv_scores_, f["cv_scores"]) < 1e-8
    assert m.predict(f["X"]).shape == f["Y"].shape


def test_hypergrad_bad_input():
    X, Y, _ = brain.simulate_banded(60, [3, 4], 5, seed=1)
    with pytest.raises(LacusError, match="band_sizes sum to 8"):
        brain.BandedRidgeHyperGrad([3, 5]).fit(X, Y)
    with pytest.raises(LacusError, match="initial_deltas"):
        brain.BandedRidgeHyperGrad([3, 4], initial_deltas=np.zeros((2, 4))).fit(X, Y)
    with pytest.raises(LacusError):
        brain.BandedRidgeHyperGrad([3, 4], max_iter=0).fit(X, Y)


# --- 1/f noise ------------------------------------------------------------------------

@pytest.mark.parametrize("beta", [0.0, 1.0, 2.0])
def test_noise_powerlaw_slope(beta):
    if not brain.noise_powerlaw_available():
        with pytest.raises(LacusError):
            brain.noise_powerlaw(100, beta)
        return
    x = brain.noise_powerlaw(1 << 16, beta, seed=4)
    assert abs(x.mean()) < 0.1 and abs(x.std() - 1) < 0.02
    f = np.fft.rfftfreq(x.size)[1:]
    pw = np.abs(np.fft.rfft(x))[1:] ** 2
    keep = (f > 1e-3) & (f < 0.25)
    slope = np.polyfit(np.log(f[keep]), np.log(pw[keep]), 1)[0]
    assert abs(slope + beta) < 0.1
    assert np.array_equal(x, brain.noise_powerlaw(1 << 16, beta, seed=4))
    assert not np.array_equal(x, brain.noise_powerlaw(1 << 16, beta, seed=5))


def test_noise_powerlaw_bad_exponent():
    with pytest.raises(LacusError):
        brain.noise_powerlaw(100, 5.0)


def test_simulate_meg_noise_matches_cli(tmp_path):
    exe = cli()
    if exe is None or not brain.noise_powerlaw_available():
        pytest.skip("no lacus binary or no FFTW")
    subprocess.run([exe, "encode", "simulate", "--meg", "--words", "50", "--sensors", "3",
                    "--meg-features", "4", "--noise-exponent", "1", "--seed", "7", "--output",
                    str(tmp_path / "m")], check=True, capture_output=True)
    ep, ft, times = brain.simulate_meg_noise(50, 4, 3, 100.0, -0.2, 0.6, 0.25, 0.5, 1.0, seed=7)
    assert np.array_equal(np.load(tmp_path / "m" / "epochs.npy"), ep)
    assert np.array_equal(np.load(tmp_path / "m" / "features.npy"), ft)


# --- banded simulator -----------------------------------------------------------------

def test_simulate_banded_matches_cli_and_its_definition(tmp_path):
    X, Y, W = brain.simulate_banded(200, [6, 20, 4], 20, seed=1)
    assert X.shape == (200, 30) and Y.shape == (200, 20) and W.shape == (3, 20)
    assert np.allclose(W.sum(0), 1.0) and (W >= 0).all()
    assert np.allclose(Y.mean(0), 0, atol=1e-12) and np.allclose(Y.std(0), 1, atol=1e-12)
    # Each target is explained best by the bands it listens to: the R^2 of
    # an OLS fit on one band follows the planted share.
    for j in range(5):
        r2 = []
        for lo, hi in [(0, 6), (6, 26), (26, 30)]:
            b = np.linalg.lstsq(X[:, lo:hi], Y[:, j], rcond=None)[0]
            r2.append(1 - np.sum((Y[:, j] - X[:, lo:hi] @ b) ** 2) / np.sum(Y[:, j] ** 2))
        assert np.argmax(r2) == np.argmax(W[:, j])
    exe = cli()
    if exe is None:
        return
    subprocess.run([exe, "encode", "simulate", "--bands", "6,20,4", "--samples", "200",
                    "--targets", "20", "--seed", "1", "--output", str(tmp_path / "b")],
                   check=True, capture_output=True)
    assert np.array_equal(np.load(tmp_path / "b" / "X.npy"), X)
    assert np.array_equal(np.load(tmp_path / "b" / "Y.npy"), Y)
    assert np.array_equal(np.load(tmp_path / "b" / "shares.npy"), W)


# --- FIF ------------------------------------------------------------------------------

def fif_ref(stem):
    out = dict(ch=[], ann=[], picks={})
    with open(os.path.join(FIX, "brain3", stem + ".txt")) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("\t")
            if k == "ch":
                out["ch"].append(v.split("\t"))
            elif k == "ann":
                o, d, t = v.split("\t", 2)
                out["ann"].append((float(o), float(d), t))
            elif k == "picks":
                name, _, idx = v.partition("\t")
                out["picks"][name] = [int(x) for x in idx.split()]
            else:
                out[k] = float(v)
    return out


@pytest.mark.parametrize("stem", ["single", "double", "int", "short", "skip"])
def test_fif_reads_as_mne(stem):
    ref = fif_ref(stem)
    want = np.load(os.path.join(FIX, "brain3", stem + "_data.npy"))
    with brain.FifRaw(os.path.join(FIX, "brain3", stem + "_raw.fif")) as raw:
        assert raw.sfreq == ref["sfreq"] and raw.first_sample == ref["first_samp"]
        assert raw.n_samples == ref["n_times"] and raw.n_channels == ref["nchan"]
        assert raw.ch_names == [c[0] for c in ref["ch"]]
        assert [c["cal"] for c in raw.channels] == [float(c[4]) for c in ref["ch"]]
        assert np.array_equal(raw.get_data(), want)
        for name, idx in ref["picks"].items():
            assert list(raw.pick(name)) == idx
        assert np.array_equal(raw.get_data("grad", 10, 400), want[10:400, ref["picks"]["grad"]])
        assert len(raw.annotations) == len(ref["ann"])
        for (o, d, t), (ro, rd, rt) in zip(raw.annotations, ref["ann"]):
            assert abs(o - ro) < 1e-6 and abs(d - rd) < 1e-6 and t == rt
        with pytest.raises(LacusError, match="no channel named"):
            raw.pick("nope")
        with pytest.raises(LacusError, match="samples"):
            raw.get_data(stop=raw.n_samples + 1)


def test_fif_bad_files(tmp_path):
    with pytest.raises(LacusError, match="cannot open"):
        brain.FifRaw(tmp_path / "missing.fif")
    b = open(os.path.join(FIX, "brain3", "short_raw.fif"), "rb").read()
    (tmp_path / "cut.fif").write_bytes(b[:3000])
    with pytest.raises(LacusError, match="truncated|says"):
        brain.FifRaw(tmp_path / "cut.fif")
