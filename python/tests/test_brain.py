"""lacus.brain against himalaya 0.4.11 / nilearn / HuthLab fixtures (made by
tests/ref/make_himalaya_fixtures.py and the brain fixture scripts for the C
tests) and against NumPy re-computations of the documented formulas."""

import os
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..")))

import lacus  # noqa: E402
from lacus import brain  # noqa: E402

FIX = os.environ.get("LACUS_FIXTURES") or os.path.normpath(
    os.path.join(HERE, "..", "..", "tests", "fixtures"))


def load(name):
    with np.load(os.path.join(FIX, "brain", name)) as z:
        return {k: z[k] for k in z.files}


def rel(a, b):
    return np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300)


@pytest.mark.parametrize("name,score,solver", [
    ("ridgecv_primal", "neg_mse", "auto"), ("ridgecv_primal", "neg_mse", "dual"),
    ("ridgecv_wide", "neg_mse", "auto"), ("ridgecv_r2", "r2", "auto"),
    ("ridgecv_corr", "pearson", "auto")])
def test_ridgecv_equals_himalaya(name, score, solver):
    f = load(name + ".npz")
    m = brain.RidgeCV(alphas=f["alphas"], n_folds=5, score=score, solver=solver).fit(f["X"], f["Y"])
    agree = np.mean(np.abs(m.best_alphas_ - f["best_alphas"]) <= 1e-9 * f["best_alphas"])
    assert agree >= 0.99
    assert rel(m.coef_, f["coef"]) < 1e-6
    assert rel(m.cv_score_, f["cv_scores"]) < 1e-6
    # cv_scores_ holds every alpha; the chosen one's row is cv_score_
    idx = np.searchsorted(m.alphas, m.best_alphas_)
    np.testing.assert_allclose(m.cv_scores_[idx, np.arange(idx.size)], m.cv_score_, rtol=1e-12)
    # predictions are X coef (no intercept)
    np.testing.assert_allclose(m.predict(f["X"]), f["X"] @ f["coef"], rtol=0,
                               atol=1e-6 * np.abs(f["X"] @ f["coef"]).max())


def test_ridgecv_refit_equals_closed_form():
    # Each target's coefficients are (X^T X + a I)^-1 X^T y at its own alpha.
    f = load("ridgecv_primal.npz")
    X, Y = f["X"], f["Y"][:, :20]
    m = brain.RidgeCV(alphas=f["alphas"]).fit(X, Y)
    for j in range(Y.shape[1]):
        a = m.best_alphas_[j]
        b = np.linalg.solve(X.T @ X + a * np.eye(X.shape[1]), X.T @ Y[:, j])
        np.testing.assert_allclose(m.coef_[:, j], b, rtol=1e-8, atol=1e-12)


def test_kernel_ridgecv_equals_himalaya():
    f = load("kernelcv.npz")
    m = brain.KernelRidgeCV(alphas=f["alphas"]).fit(f["K"], f["Y"])
    assert np.mean(np.abs(m.best_alphas_ - f["best_alphas"]) <= 1e-9 * f["best_alphas"]) >= 0.99
    assert rel(m.dual_coef_, f["dual_coef"]) < 1e-6
    assert rel(m.cv_score_, f["cv_scores"]) < 1e-6
    K = f["K"].copy()
    K[0, 1] += 1.0
    with pytest.raises(lacus.LacusError) as e:
        brain.KernelRidgeCV(alphas=f["alphas"]).fit(K, f["Y"])
    assert "not symmetric" in e.value.message


def test_banded_ridgecv_equals_himalaya():
    f = load("banded.npz")
    sizes = f["sizes"].astype(np.int64)
    m = brain.BandedRidgeCV(sizes, gammas=f["gammas"], alphas=f["alphas"]).fit(f["X"], f["Y"])
    deltas = np.log(m.best_gammas_ / m.best_alphas_)
    same = np.all(np.abs(deltas - f["deltas"]) < 1e-9, axis=0).mean()
    assert same >= 0.99
    assert rel(m.coef_, f["coef"]) < 1e-6
    assert rel(m.cv_score_, f["cv_scores"].max(axis=0)) < 1e-6
    split = brain.r2_split(f["X"], sizes, f["coef"], f["Yc"])
    assert rel(split, f["r2_split"]) < 1e-10


def test_scores_hrf_lanczos_equal_references():
    f = load("scores.npz")
    r, r2 = brain.scores(f["Y"], f["P"])
    assert rel(r, f["r"]) < 1e-12 and rel(r2, f["r2"]) < 1e-12
    f = load("hrf.npz")
    assert rel(brain.hrf("spm", float(f["dt"]), float(f["length"])), f["spm"]) < 1e-12
    assert rel(brain.hrf("glover", float(f["dt"]), float(f["length"])), f["glover"]) < 1e-12
    f = load("lanczos.npz")
    out = brain.lanczos_resample(f["x"], f["word_times"], f["tr_times"], float(f["cutoff"]))
    assert rel(out, f["out"]) < 1e-12


def test_stimulus_pipeline_against_numpy():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(50, 3))
    runs = [20, 30]
    d = brain.fir_delays(x, [0, 1, 3], runs)
    ref = np.zeros((50, 9))
    for k, lag in enumerate([0, 1, 3]):
        for s, e in ((0, 20), (20, 50)):
            ref[s + lag:e, 3 * k:3 * k + 3] = x[s:e - lag]
    np.testing.assert_array_equal(d, ref)
    h = brain.hrf("spm", 2.0, 32.0)
    c = brain.hrf_convolve(x, h, runs)
    for s, e in ((0, 20), (20, 50)):
        for j in range(3):
            np.testing.assert_allclose(c[s:e, j], np.convolve(x[s:e, j], h)[:e - s],
                                       rtol=0, atol=1e-13)
    z = brain.zscore_runs(x, runs)
    for s, e in ((0, 20), (20, 50)):
        seg = x[s:e]
        np.testing.assert_allclose(z[s:e], (seg - seg.mean(0)) / seg.std(0), atol=1e-13)
    t, r2 = brain.trim_runs(x, runs, 2, 1)
    np.testing.assert_array_equal(t, np.concatenate([x[2:19], x[22:49]]))
    assert list(r2) == [17, 27]
    with pytest.raises(lacus.LacusError) as e:
        brain.zscore_runs(np.ones((10, 2)))
    assert e.value.status == -6
    with pytest.raises(lacus.LacusError):
        brain.fir_delays(x, [0, 1], [20, 20])  # runs do not cover the samples


def test_folds():
    np.testing.assert_array_equal(brain.cv_contiguous(11, 3),
                                  [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2])
    f = brain.cv_runs([10, 10, 10, 10], 2)
    np.testing.assert_array_equal(f, [0] * 20 + [1] * 20)
    s = brain.cv_shuffled(30, 3, seed=4)
    assert sorted(np.bincount(s)) == [10, 10, 10]
    np.testing.assert_array_equal(s, brain.cv_shuffled(30, 3, seed=4))
    with pytest.raises(lacus.LacusError) as e:
        brain.cv_runs([30, 30, 30], 5)
    assert "3 runs but 5 folds" in e.value.message


def test_noise_ceiling_fdr_permutation():
    rng = np.random.default_rng(2)
    signal = rng.normal(size=(200, 4))
    data = signal[None] + rng.normal(size=(5, 200, 4)) * np.array([0.5, 1, 2, 4])
    ev = brain.explainable_variance(data, bias_correct=False)
    ref = data.mean(0).var(0) / data.var(1).mean(0)
    np.testing.assert_allclose(ev, ref, rtol=1e-12)
    evc = brain.explainable_variance(data)
    np.testing.assert_allclose(evc, ref - (1 - ref) / 4, rtol=1e-12)
    np.testing.assert_allclose(brain.noise_ceiling(data), np.sqrt(np.clip(evc, 0, None)))
    # Benjamini-Hochberg against the textbook step-up formula
    p = rng.uniform(size=40) ** 2
    q, rej = brain.fdr_bh(p, 0.1)
    o = np.argsort(p)
    qs = np.minimum.accumulate((p[o] * 40 / np.arange(1, 41))[::-1])[::-1]
    ref_q = np.empty(40)
    ref_q[o] = np.minimum(qs, 1)
    np.testing.assert_allclose(q, ref_q, rtol=1e-12)
    np.testing.assert_array_equal(rej, ref_q <= 0.1)
    # permutation p-values: a real effect is significant, noise is not
    Y = rng.normal(size=(300, 2))
    P = np.column_stack([Y[:, 0] + 0.5 * rng.normal(size=300), rng.normal(size=300)])
    pv = brain.permutation_pvalues(Y, P, block_len=10, n_perm=200, seed=1)
    assert pv[0] == 1 / 201 and pv[1] > 0.01
    np.testing.assert_array_equal(pv, brain.permutation_pvalues(Y, P, 10, 200, 1))


def test_encoding_model_end_to_end_recovers_ideal_scores():
    """simulate -> Lanczos to TRs -> z-score -> FIR delays -> RidgeCV on
    leave-one-run-out folds -> held-out r, which must track the planted
    ideal r (sqrt(snr / (1 + snr))) and stay near 0 on null voxels."""
    sim = brain.simulate_fmri(n_runs=4, n_tr=200, n_features=8, n_voxels=60, seed=3)
    runs = sim["run_lengths"]
    assert sim["bold"].shape == (800, 60)
    np.testing.assert_allclose(sim["r_ideal"], np.sqrt(sim["snr"] / (1 + sim["snr"])))
    tr = sim["tr"]
    feats = []
    for k, n in enumerate(runs):
        w = sim["word_run"] == k
        tt = np.arange(n) * tr
        feats.append(brain.lanczos_resample(sim["word_features"][w], sim["word_times"][w], tt,
                                            1.0 / tr))
    X = brain.zscore_runs(np.concatenate(feats), runs)
    X = brain.fir_delays(X, [1, 2, 3, 4], runs)
    Y = brain.zscore_runs(sim["bold"], runs)
    n_tr = int(runs[0])
    tr_rows = slice(0, 3 * n_tr)
    te_rows = slice(3 * n_tr, 4 * n_tr)
    m = brain.RidgeCV(alphas=np.logspace(-1, 5, 13), folds=brain.cv_runs(runs[:3], 3))
    m.fit(X[tr_rows], Y[tr_rows])
    r, _ = m.score_targets(X[te_rows], Y[te_rows])
    active = sim["snr"] > 0
    assert np.corrcoef(r[active], sim["r_ideal"][active])[0, 1] > 0.8
    assert np.abs(r[~active]).max() < 0.25


def test_simulate_meg_and_epochs():
    ep, ft, times = brain.simulate_meg(n_words=50, n_features=4, n_sensors=6, sfreq=100,
                                       tmin=-0.1, tmax=0.5, seed=1)
    assert ep.shape == (50, 6, 61) and ft.shape == (50, 4)
    np.testing.assert_allclose(times, np.linspace(-0.1, 0.5, 61), atol=1e-12)
    data = np.arange(1000.0).reshape(500, 2)
    e = brain.meg_epochs(data, 100.0, [1.0, 2.0], -0.05, 0.1)
    # baseline is the mean over [-0.05, 0]: samples 95..100 of a ramp
    np.testing.assert_allclose(e[0, 0], 2.0 * (np.arange(95, 111) - 97.5))
    with pytest.raises(lacus.LacusError):
        brain.meg_epochs(data, 100.0, [4.99], -0.05, 0.1)


def test_bad_input_is_refused():
    with pytest.raises(lacus.LacusError) as e:
        brain.RidgeCV(alphas=[1.0, -1.0]).fit(np.ones((20, 2)), np.ones((20, 1)))
    assert "alphas[1] = -1" in e.value.message
    X = np.random.default_rng(0).normal(size=(20, 2))
    X[3, 1] = np.nan
    with pytest.raises(lacus.LacusError) as e:
        brain.RidgeCV().fit(X, np.ones((20, 1)))
    assert e.value.status == -6
    with pytest.raises(lacus.LacusError):
        brain.RidgeCV().fit(np.ones((20, 2)), np.ones((19, 1)))
    with pytest.raises(lacus.LacusError):
        brain.hrf("bold")
