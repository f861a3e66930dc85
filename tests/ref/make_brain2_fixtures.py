"""Fixtures of tests/unit/test_brain_hypergrad.c and test_brain_ceiling.c.

    /work/venv-brain2/bin/python tests/ref/make_brain2_fixtures.py tests/fixtures/brain2

hypergrad_*.npz: himalaya 0.4.11 solve_multiple_kernel_ridge_hyper_gradient
(numpy backend, float64) on linear kernels of three feature bands, cv =
KFold(5) (contiguous), with its Lipschitz constants made exact: himalaya
estimates them with 10 power iterations from an (unseeded by default)
random vector, so its own results move from run to run; lacus uses exact
largest eigenvalues. The unpatched himalaya run's deltas are stored too
(deltas_power) to show how far that estimate moves the answer.

ceiling.npz: cross-subject noise ceiling computed here with NumPy
(np.corrcoef for the leave-one-subject-out r, np.roots for the correction
quadratic), an implementation independent of lacus's.
"""
import os
import sys

import numpy as np
from sklearn.model_selection import KFold

import himalaya.kernel_ridge._hyper_gradient as hg
import himalaya.kernel_ridge._solvers as hs
from himalaya.backend import set_backend

out = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/brain2"
os.makedirs(out, exist_ok=True)
set_backend("numpy")
power_lipschitz = hg.compute_lipschitz_constants


def exact_lipschitz(Xs, kernelize="XTX", random_state=None):
    Xs = np.asarray(Xs)
    if kernelize == "XTX":
        A = np.transpose(Xs, (0, 2, 1)) @ Xs
    elif kernelize == "XXT":
        A = Xs @ np.transpose(Xs, (0, 2, 1))
    else:
        A = Xs
    return np.abs(np.linalg.eigvalsh(A)).max(axis=1)


def data(seed, n=100, sizes=(6, 20, 4), t=12):
    rng = np.random.default_rng(seed)
    Xs = [rng.standard_normal((n, s)) for s in sizes]
    Xs = [(x - x.mean(0)) / x.std(0) for x in Xs]
    # band weights differ per target, so each target wants its own deltas
    Y = sum(x @ rng.standard_normal((x.shape[1], t)) * 10 ** rng.uniform(-1.5, 0.5, t) / np.sqrt(x.shape[1])
            for x in Xs)
    Y = Y + rng.standard_normal((n, t))
    Y = (Y - Y.mean(0)) / Y.std(0)
    return Xs, Y


def run(name, seed, init, **kw):
    Xs, Y = data(seed)
    Ks = np.stack([x @ x.T for x in Xs])
    t = Y.shape[1]
    deltas0 = np.full((3, t), init) if np.isscalar(init) else init
    args = dict(cv=KFold(5), return_weights="primal", Xs=Xs, initial_deltas=deltas0.copy(),
                progress_bar=False, **kw)
    hg.compute_lipschitz_constants = exact_lipschitz
    hs.compute_lipschitz_constants = exact_lipschitz
    deltas, coef, cv = hg.solve_multiple_kernel_ridge_hyper_gradient(Ks, Y, **args)
    hg.compute_lipschitz_constants = power_lipschitz
    hs.compute_lipschitz_constants = power_lipschitz
    args["initial_deltas"] = deltas0.copy()
    dp, _, _ = hg.solve_multiple_kernel_ridge_hyper_gradient(Ks, Y, random_state=0, **args)
    np.savez(os.path.join(out, name), X=np.concatenate(Xs, 1), Y=Y, band_sizes=np.array([x.shape[1] for x in Xs]),
             initial_deltas=deltas0, deltas=deltas, coef=coef, cv_scores=cv, deltas_power=dp,
             options=np.array([kw.get("max_iter", 10), kw.get("n_targets_batch") or 0,
                               kw.get("kernel_ridge_method", "gradient_descent") == "conjugate_gradient",
                               kw.get("hyper_gradient_method", "conjugate_gradient") == "direct",
                               kw.get("tol", 1e-2), kw.get("max_iter_inner_dual", 1),
                               kw.get("max_iter_inner_hyper", 1)], dtype=float))
    print(name, "max |delta - delta(power iteration)| =", np.abs(deltas - dp).max(),
          "iterations used:", int((np.abs(np.diff(cv, axis=0)).sum(1) > 0).sum() + 1))


run("hypergrad_default.npz", 1, 0.0)
run("hypergrad_cg_direct.npz", 2, np.log(0.1),
    kernel_ridge_method="conjugate_gradient", hyper_gradient_method="direct", max_iter=8)
run("hypergrad_batch.npz", 3, 0.0, n_targets_batch=5, max_iter=15, tol=1e-3,
    max_iter_inner_dual=2, max_iter_inner_hyper=2)

# Cross-subject ceiling reference.
rng = np.random.default_rng(4)
m, n, t = 5, 60, 7
shared = rng.standard_normal((n, t))
data_ = shared[None] * rng.uniform(0, 1.5, t) + rng.standard_normal((m, n, t))
data_[:, :, 6] = rng.standard_normal((m, n))  # a target with no shared signal
loo = np.empty((m, t))
for s in range(m):
    others = np.delete(data_, s, axis=0).mean(0)
    for j in range(t):
        loo[s, j] = np.corrcoef(data_[s, :, j], others[:, j])[0, 1]
ceil = np.zeros(t)
for j in range(t):
    rho = loo[:, j].mean()
    if rho > 0:
        # a^2 - rho^2 a (m-2)/(m-1) - rho^2/(m-1) = 0, positive root
        roots = np.roots([1.0, -rho ** 2 * (m - 2) / (m - 1), -rho ** 2 / (m - 1)])
        ceil[j] = np.sqrt(roots.real.max())
np.savez(os.path.join(out, "ceiling.npz"), data=data_, loo_r=loo, ceiling=ceil)
print("ceiling", ceil)
