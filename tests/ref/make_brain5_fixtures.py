"""Fixtures of tests/unit/test_brain_lstsq.c: per-target ridge CV with the
lstsq solver (alpha 0 = unregularised least squares), computed with NumPy
alone: np.linalg.lstsq (LAPACK dgelsd, rcond=None) for alpha 0 and the SVD
closed form V diag(s / (s^2 + a)) U^T y for alpha > 0, per fold of
scikit-learn-style contiguous KFold (the first n % k folds one longer), the
mean held-out -MSE per alpha, himalaya's tie-break slope 1e-10 log(alpha)
(alpha 0 ranked one e-fold below the smallest positive alpha), and the refit
on all samples with each target's alpha.

    /work/refenv/bin/python tests/ref/make_brain5_fixtures.py   (numpy pinned in
    tests/ref/requirements-brain5.txt)
"""
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "fixtures", "brain5")


def folds(n, k):
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    return np.repeat(np.arange(k), sizes)


def solve(Xtr, Ytr, a):
    if a == 0.0:
        return np.linalg.lstsq(Xtr, Ytr, rcond=None)[0]
    U, s, Vt = np.linalg.svd(Xtr, full_matrices=False)
    return Vt.T @ ((s / (s * s + a))[:, None] * (U.T @ Ytr))


def case(name, X, Y, alphas, k=5):
    n, t = Y.shape
    f = folds(n, k)
    cv = np.zeros((len(alphas), t))
    for i in range(k):
        tr, te = f != i, f == i
        for ia, a in enumerate(alphas):
            P = X[te] @ solve(X[tr], Y[tr], a)
            cv[ia] += -np.mean((Y[te] - P) ** 2, axis=0) / k
    pos = [a for a in alphas if a > 0]
    slope = np.array([1e-10 * np.log(a) if a > 0 else
                      (1e-10 * (np.log(min(pos)) - 1.0) if pos else 0.0) for a in alphas])
    best = np.argmax(cv + slope[:, None], axis=0)
    coef = np.zeros((X.shape[1], t))
    for ia, a in enumerate(alphas):
        sel = best == ia
        if sel.any():
            coef[:, sel] = solve(X, Y[:, sel], a)
    np.savez(os.path.join(OUT, name + ".npz"), X=X, Y=Y, alphas=np.asarray(alphas, float),
             cv_scores=cv, best_alphas=np.asarray(alphas, float)[best], coef=coef,
             cond=np.linalg.cond(X))
    print(name, X.shape, "cond %.2e" % np.linalg.cond(X), "chosen alphas", np.asarray(alphas)[best])


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(5)
    # Tall and ill-conditioned (condition number 1e7): the normal equations
    # would lose about 14 of 16 digits here.
    n, p, t = 60, 8, 6
    Q1, _ = np.linalg.qr(rng.standard_normal((n, p)))
    Q2, _ = np.linalg.qr(rng.standard_normal((p, p)))
    X = Q1 @ np.diag(np.logspace(0, -7, p)) @ Q2.T * 10.0
    B = rng.standard_normal((p, t))
    noise = np.array([1e-9, 1e-6, 1e-3, 1e-1, 1.0, 3.0])
    Y = X @ B + rng.standard_normal((n, t)) * noise
    case("lstsq_tall", X, Y, [0.0, 1e-8, 1e-4, 1.0, 100.0])
    # Fewer training samples than features: lstsq's minimum-norm solution.
    n, p, t = 30, 40, 4
    X = rng.standard_normal((n, p))
    Y = X[:, :5] @ rng.standard_normal((5, t)) + 0.1 * rng.standard_normal((n, t))
    case("lstsq_wide", X, Y, [0.0])
    # Exactly collinear columns (rank 5 of 6): singular values at round-off
    # are cut as NumPy's rcond=None does.
    n, p, t = 50, 6, 3
    X = rng.standard_normal((n, p))
    X[:, 5] = X[:, 0] + 2.0 * X[:, 1]
    Y = X[:, :3] @ rng.standard_normal((3, t)) + 0.5 * rng.standard_normal((n, t))
    case("lstsq_rankdef", X, Y, [0.0, 0.1, 10.0])


if __name__ == "__main__":
    main()
