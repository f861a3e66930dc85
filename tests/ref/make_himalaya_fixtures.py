"""Fixtures for tests/unit/test_brain_ridgecv.c: himalaya 0.4.11 (numpy
backend, float64) RidgeCV, KernelRidgeCV and the banded-ridge random search on small
synthetic problems, plus the scipy/nilearn-formula references of the
stimulus pipeline (HRFs, Lanczos).

    /work/venv-brain/bin/python tests/ref/make_himalaya_fixtures.py

Pinned versions: tests/ref/requirements-brain.txt. Writes
tests/fixtures/brain/*.npz.
"""
import os

import numpy as np
from himalaya.backend import set_backend
from himalaya.kernel_ridge import KernelRidgeCV
from himalaya.ridge import RidgeCV, solve_group_ridge_random_search
from himalaya.scoring import correlation_score, r2_score, r2_score_split
from scipy.stats import gamma as gamma_dist

set_backend("numpy")
OUT = os.path.join(os.path.dirname(__file__), "..", "fixtures", "brain")
os.makedirs(OUT, exist_ok=True)


def problem(rng, n, p, t):
    """Correlated features, per-target signal strength log-uniform, so the
    chosen alphas spread over the grid."""
    mix = rng.standard_normal((p, p)) / np.sqrt(p)
    X = rng.standard_normal((n, p)) @ (np.eye(p) + mix)
    B = rng.standard_normal((p, t)) / np.sqrt(p)
    scale = 10 ** rng.uniform(-1.5, 1.0, t)
    Y = X @ B * scale + rng.standard_normal((n, t))
    return X, Y


def ridge_case(name, n, p, t, alphas, score=None, cv=5, seed=0):
    rng = np.random.default_rng(seed)
    X, Y = problem(rng, n, p, t)
    sp = {} if score is None else {"score_func": score}
    m = RidgeCV(alphas=alphas, cv=cv, solver_params=sp).fit(X, Y)
    np.savez(os.path.join(OUT, name + ".npz"), X=X, Y=Y, alphas=alphas,
             best_alphas=m.best_alphas_, coef=m.coef_,
             cv_scores=np.asarray(m.cv_scores_).ravel(),
             r2=m.score(X, Y))
    print(name, "distinct alphas chosen:", np.unique(m.best_alphas_).size)


def kernel_case(name, n, p, t, alphas, seed=1):
    rng = np.random.default_rng(seed)
    X, Y = problem(rng, n, p, t)
    K = X @ X.T
    m = KernelRidgeCV(alphas=alphas, kernel="precomputed", cv=5).fit(K, Y)
    np.savez(os.path.join(OUT, name + ".npz"), K=K, X=X, Y=Y, alphas=alphas,
             best_alphas=m.best_alphas_, dual_coef=m.dual_coef_,
             cv_scores=np.asarray(m.cv_scores_).ravel())
    print(name, "distinct alphas chosen:", np.unique(m.best_alphas_).size)


def banded_case(name, n, sizes, t, alphas, seed=2):
    rng = np.random.default_rng(seed)
    Xs = [rng.standard_normal((n, s)) for s in sizes]
    X = np.concatenate(Xs, 1)
    # Targets driven by either band or both, at varied strengths.
    w = [rng.standard_normal((s, t)) / np.sqrt(s) for s in sizes]
    g = rng.uniform(0, 1, (len(sizes), t)) ** 3
    Y = sum(Xi @ wi * gi for Xi, wi, gi in zip(Xs, w, g)) * 3 + rng.standard_normal((n, t))
    gammas = np.array([[0.5, 0.5], [0.9, 0.1], [0.1, 0.9], [0.99, 0.01], [0.01, 0.99]])
    res = solve_group_ridge_random_search([X[:, :sizes[0]], X[:, sizes[0]:]], Y,
                                          n_iter=gammas, alphas=alphas, cv=5,
                                          return_weights=True, progress_bar=False)
    deltas, coef, cv_scores = res
    Yc = Y - Y.mean(0)
    parts = np.stack([X[:, :sizes[0]] @ coef[:sizes[0]], X[:, sizes[0]:] @ coef[sizes[0]:]])
    split = r2_score_split(Yc, parts)
    np.savez(os.path.join(OUT, name + ".npz"), X=X, Y=Y, alphas=alphas,
             sizes=np.array(sizes), gammas=gammas, deltas=deltas, coef=coef,
             cv_scores=cv_scores, Yc=Yc, r2_split=split)
    print(name, "gamma rows kept:", np.unique(np.round(deltas[0] - deltas[1], 6)).size)


def scores_case(name, seed=3):
    rng = np.random.default_rng(seed)
    Y = rng.standard_normal((50, 7))
    P = 0.5 * Y + rng.standard_normal((50, 7))
    P[:, 3] = 1.0  # constant prediction
    np.savez(os.path.join(OUT, name + ".npz"), Y=Y, P=P,
             r=correlation_score(Y, P), r2=r2_score(Y, P))


def hrf_case(name):
    """nilearn's spm_hrf / glover_hrf formulas (nilearn.glm.first_level.hemodynamic_models,
    _gamma_difference_hrf with oversampling 1, onset 0), restated with scipy."""
    def gdiff(tr, length, delay, undershoot, dispersion, u_disp, ratio):
        dt = tr
        t = np.linspace(0, length, np.rint(float(length) / dt).astype(int))
        h = (gamma_dist.pdf(t, delay / dispersion, loc=dt, scale=dispersion)
             - ratio * gamma_dist.pdf(t, undershoot / u_disp, loc=dt, scale=u_disp))
        return h / h.sum()
    spm = gdiff(0.1, 32.0, 6, 16, 1, 1, 0.167)
    glover = gdiff(0.1, 32.0, 6, 12, 0.9, 0.9, 0.35)
    np.savez(os.path.join(OUT, name + ".npz"), spm=spm, glover=glover, dt=0.1, length=32.0)


def lanczos_case(name, seed=4):
    """HuthLab deep-fMRI-dataset lanczosinterp2D (window 3, cutoff_mult 1)."""
    rng = np.random.default_rng(seed)
    word_times = np.sort(rng.uniform(0, 60, 140))
    x = rng.standard_normal((140, 5))
    tr_times = np.arange(30) * 2.0 + 1.0
    cutoff, window = 1 / 2.0, 3

    def lanczosfun(c, t, a=3):
        t = t * c
        val = a * np.sin(np.pi * t) * np.sin(np.pi * t / a) / (np.pi ** 2 * t ** 2)
        val[t == 0] = 1.0
        val[np.abs(t) > a] = 0.0
        return val
    sincmat = np.zeros((len(tr_times), len(word_times)))
    for ndi in range(len(tr_times)):
        sincmat[ndi, :] = lanczosfun(cutoff, tr_times[ndi] - word_times, window)
    np.savez(os.path.join(OUT, name + ".npz"), x=x, word_times=word_times,
             tr_times=tr_times, out=sincmat @ x, cutoff=cutoff)


if __name__ == "__main__":
    ridge_case("ridgecv_primal", 120, 30, 300, np.logspace(-1, 4, 10))
    ridge_case("ridgecv_wide", 60, 150, 120, np.logspace(-1, 4, 10), seed=5)
    ridge_case("ridgecv_r2", 100, 20, 150, np.logspace(-2, 3, 8), score=r2_score, seed=6)
    ridge_case("ridgecv_corr", 100, 20, 150, np.logspace(-2, 3, 8),
               score=correlation_score, seed=7)
    kernel_case("kernelcv", 80, 200, 150, np.logspace(0, 5, 10))
    banded_case("banded", 100, [10, 25], 150, np.logspace(-1, 4, 8))
    scores_case("scores")
    hrf_case("hrf")
    lanczos_case("lanczos")
