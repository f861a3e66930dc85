#!/usr/bin/env python3
"""Fixtures for lacus's reservoir, ridge readout and ESN, made by ReservoirPy.

Every number in tests/fixtures/esn/ comes out of ReservoirPy 0.4.2 itself
(Reservoir.run, Ridge.fit, Model.fit/run, observables.spectral_radius), so a
lacus test that matches them matches what a ReservoirPy user gets. The inputs
(weights, sequences, targets) are drawn here from a fixed NumPy seed and saved
beside the outputs, so the C tests never need to reproduce NumPy's RNG.

Regenerate (from the repository root):

    python3 -m venv .venv-ref
    .venv-ref/bin/pip install -r tests/ref/requirements.txt
    .venv-ref/bin/python tests/ref/make_esn_fixtures.py

Every array is float64, except CSR index arrays and integer metadata
(int64). Scalars are 0-d arrays. tests/ref/README.md lists every file and
array; tests/fixtures/esn/manifest.json says the same in machine form.
"""

import json
import os
import sys

import numpy as np
import scipy
import scipy.sparse as sp

import reservoirpy
from reservoirpy.nodes import Reservoir, Ridge
from reservoirpy.observables import spectral_radius

EXPECTED = {"reservoirpy": "0.4.2", "numpy": "2.4.6", "scipy": "1.17.1"}

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "fixtures", "esn"))

# lacus_activation codes from include/lacus.h.
ACT_CODE = {"tanh": 0, "sigmoid": 1, "relu": 2, "identity": 3, "softmax": 4, "softplus": 5}

N = 50        # reservoir units of the small cases
N_IN = 3      # inputs
T = 200       # steps of the state cases
N_OUT = 2     # readout outputs

manifest = {
    "generator": "tests/ref/make_esn_fixtures.py",
    "versions": {},
    "files": {},
}


def check_versions():
    got = {"reservoirpy": reservoirpy.__version__, "numpy": np.__version__,
           "scipy": scipy.__version__}
    manifest["versions"] = got
    bad = {k: (got[k], v) for k, v in EXPECTED.items() if got[k] != v}
    if bad:
        msg = ", ".join(f"{k} {g} (pinned {w})" for k, (g, w) in bad.items())
        if "--any-version" not in sys.argv:
            sys.exit(f"make_esn_fixtures.py: version mismatch: {msg}; "
                     "install tests/ref/requirements.txt or pass --any-version")
        print(f"warning: {msg}", file=sys.stderr)


def f64(a):
    # np.array, not np.ascontiguousarray: the latter turns 0-d into (1,).
    return np.array(a, dtype=np.float64, order="C")


def save(name, description, **arrays):
    path = os.path.join(OUT, name)
    clean = {}
    for k, v in arrays.items():
        v = np.asarray(v)
        if v.dtype.kind == "f":
            v = f64(v)
        elif v.dtype.kind in "iu":
            v = np.array(v, dtype=np.int64, order="C")
        else:
            raise TypeError(f"{name}:{k}: only float64/int64 arrays go in fixtures")
        if not np.all(np.isfinite(v)):
            raise ValueError(f"{name}:{k}: non-finite values")
        clean[k] = v
    np.savez(path, **clean)
    manifest["files"][name] = {
        "description": description,
        "arrays": {k: f"{v.dtype} {tuple(v.shape)}" for k, v in clean.items()},
    }
    print(f"{name}: {os.path.getsize(path)} bytes")


def sparse_normal(rng, n, density, sr):
    """A dense array with sparse content: N(0,1) entries at `density`,
    scaled to spectral radius `sr` (computed densely, exactly)."""
    mask = rng.random((n, n)) < density
    W = np.where(mask, rng.standard_normal((n, n)), 0.0)
    rho = np.max(np.abs(np.linalg.eigvals(W)))
    return W * (sr / rho)


def small_weights(rng):
    W = sparse_normal(rng, N, 0.1, 0.9)
    Win = np.where(rng.random((N, N_IN)) < 0.5, rng.choice([-1.0, 1.0], (N, N_IN)), 0.0)
    Win *= 0.8
    bias = rng.uniform(-0.2, 0.2, N)
    return W, Win, bias


# ---------------------------------------------------------------------------
# 1. Reservoir states, one case per activation and leak-rate kind.
# ---------------------------------------------------------------------------

def make_states():
    cases = [
        ("tanh", "tanh", 0.3, False),
        ("tanh_lr_per_unit", "tanh", None, True),
        ("sigmoid", "sigmoid", 0.5, False),
        ("relu", "relu", 0.4, False),
        ("identity", "identity", 0.6, False),
        ("softplus", "softplus", 0.2, False),
        ("softmax", "softmax", 0.7, False),
    ]
    first = None
    for i, (tag, act, lr, per_unit) in enumerate(cases):
        rng = np.random.default_rng(1000 + i)
        W, Win, bias = small_weights(rng)
        u = rng.uniform(-1.0, 1.0, (T, N_IN))
        if per_unit:
            lr = rng.uniform(0.05, 1.0, N)
        res = Reservoir(W=W.copy(), Win=Win.copy(), bias=bias.copy(), lr=lr, activation=act)
        states = res.run(u)
        # A second run continues from the state the first left (ReservoirPy
        # keeps the state across run calls); stored to test reset = 0.
        u2 = rng.uniform(-1.0, 1.0, (20, N_IN))
        states_cont = res.run(u2)
        save(f"states_{tag}.npz",
             f"Reservoir(W, Win, bias, lr, activation='{act}').run(u) from a zero state; "
             "then .run(u_cont) continuing from the last state",
             W=W, Win=Win, bias=bias, lr=np.asarray(lr, dtype=np.float64), u=u, states=states,
             u_cont=u2, states_cont=states_cont, activation=np.int64(ACT_CODE[act]))
        if first is None:
            first = states
    return first


# ---------------------------------------------------------------------------
# 2. Ridge readout on the states of case 1.
# ---------------------------------------------------------------------------

def targets_for(X, rng, n_out):
    A = rng.standard_normal((X.shape[1], n_out)) / np.sqrt(X.shape[1])
    offset = np.array([1.5, -0.7][:n_out])
    return X @ A + offset + 0.05 * rng.standard_normal((X.shape[0], n_out))


def make_ridge(X):
    rng = np.random.default_rng(2000)
    Y = targets_for(X, rng, N_OUT)
    out = {"X": X, "Y": Y, "ridge": np.float64(1e-3)}
    # Suffixes name the lacus_bias_mode that reproduces each fit.
    for fit_bias, suffix in ((True, "centered"), (False, "none")):
        r = Ridge(ridge=1e-3, fit_bias=fit_bias).fit(X, Y)
        out[f"Wout_{suffix}"] = r.Wout
        out[f"bout_{suffix}"] = np.asarray(r.bias).reshape(N_OUT)
        out[f"pred_{suffix}"] = r.run(X)
    save("ridge.npz",
         "Ridge(ridge).fit(X, Y) with fit_bias=True (*_centered) and False (*_none); "
         "pred_* = Ridge.run(X)", **out)

    # Fewer samples than features: ReservoirPy solves the primal system,
    # whose solution equals lacus's dual (kernel) form.
    rng = np.random.default_rng(2001)
    Xs = X[rng.choice(X.shape[0], 30, replace=False)]
    Ys = targets_for(Xs, rng, N_OUT)
    r = Ridge(ridge=1e-3, fit_bias=True).fit(Xs, Ys)
    r0 = Ridge(ridge=1e-3, fit_bias=False).fit(Xs, Ys)
    save("ridge_wide.npz",
         "Ridge(ridge).fit(X, Y) with n_samples (30) < n_features (50): "
         "primal solution, equal to the dual form",
         X=Xs, Y=Ys, ridge=np.float64(1e-3), Wout_centered=r.Wout,
         bout_centered=np.asarray(r.bias).reshape(N_OUT), Wout_none=r0.Wout,
         bout_none=np.asarray(r0.bias).reshape(N_OUT))


# ---------------------------------------------------------------------------
# 2b. ESN = reservoir >> ridge on several sequences with warmup.
# ---------------------------------------------------------------------------

def manual_fit(W, Win, bias, lr, us, ys, warmup, ridge):
    """Plain NumPy restatement of what we believe Model.fit does: every
    sequence starts from a zero state, drops its first `warmup` steps, then
    centred ridge. Asserted equal to ReservoirPy's result below."""
    def run(u, x):
        out = np.empty((u.shape[0], W.shape[0]))
        for t in range(u.shape[0]):
            x = (1 - lr) * x + lr * np.tanh(W @ x + Win @ u[t] + bias)
            out[t] = x
        return out
    X = np.vstack([run(u, np.zeros(W.shape[0]))[warmup:] for u in us])
    Y = np.vstack([y[warmup:] for y in ys])
    xm, ym = X.mean(0), Y.mean(0)
    Xc, Yc = X - xm, Y - ym
    Wout = np.linalg.solve(Xc.T @ Xc + ridge * np.eye(X.shape[1]), Xc.T @ Yc)
    return Wout, ym - xm @ Wout, run


def make_esn_multi():
    rng = np.random.default_rng(3000)
    W, Win, bias = small_weights(rng)
    lr, ridge, warmup = 0.3, 1e-4, 10
    lengths = [150, 200, 120]
    us = [rng.uniform(-1.0, 1.0, (n, N_IN)) for n in lengths]
    # Targets: a delayed, smoothed function of the input, so the fit is real.
    ys = []
    for u in us:
        y = np.stack([np.roll(u[:, 0], 2) * u[:, 1], np.sin(np.cumsum(u[:, 2]) * 0.3)], axis=1)
        ys.append(y)
    u_test = rng.uniform(-1.0, 1.0, (100, N_IN))

    res = Reservoir(W=W.copy(), Win=Win.copy(), bias=bias.copy(), lr=lr, activation="tanh")
    readout = Ridge(ridge=ridge)
    model = res >> readout
    model.fit(us, ys, warmup=warmup)
    Wout, b = readout.Wout, np.asarray(readout.bias).reshape(N_OUT)

    # State left in the reservoir by fit: the final state of the LAST
    # training sequence (run from zero, like the others).
    x_after_fit = res.state["out"].copy()
    pred_carry = model.run(u_test)          # starts from x_after_fit
    model.reset()
    pred_zero = model.run(u_test)           # starts from zero

    mW, mb, run = manual_fit(W, Win, bias, lr, us, ys, warmup, ridge)
    assert np.allclose(mW, Wout, rtol=1e-8, atol=1e-10), "multi-seq semantics differ from our reading"
    assert np.allclose(mb, b, rtol=1e-8, atol=1e-10)
    last = run(us[-1], np.zeros(N))[-1]
    assert np.allclose(last, x_after_fit, rtol=0, atol=1e-12)
    # Concatenating the sequences (state carried over) gives another answer:
    # check that the difference is visible, so the fixture can tell them apart.
    cat = run(np.vstack(us), np.zeros(N))
    assert not np.allclose(cat[lengths[0]:lengths[0] + lengths[1]],
                           run(us[1], np.zeros(N)), atol=1e-6)

    arrays = dict(W=W, Win=Win, bias=bias, lr=np.float64(lr), ridge=np.float64(ridge),
                  warmup=np.int64(warmup), n_seqs=np.int64(len(us)),
                  Wout=Wout, bout=b, u_test=u_test, pred_test=pred_zero,
                  pred_test_carry=pred_carry, x_after_fit=x_after_fit,
                  activation=np.int64(ACT_CODE["tanh"]))
    for i, (u, y) in enumerate(zip(us, ys)):
        arrays[f"u_{i}"] = u
        arrays[f"y_{i}"] = y
    save("esn_multi.npz",
         "(Reservoir(W, Win, bias, lr) >> Ridge(ridge)).fit([u_0,u_1,u_2], [y_0,y_1,y_2], "
         "warmup=warmup); pred_test = run(u_test) from a zero state (after model.reset()); "
         "pred_test_carry = run(u_test) right after fit, from x_after_fit", **arrays)

    # The same through the ESN class, as most users write it: must agree.
    from reservoirpy import ESN
    res2 = Reservoir(W=W.copy(), Win=Win.copy(), bias=bias.copy(), lr=lr)
    esn = ESN(reservoir=res2, readout=Ridge(ridge=ridge))
    esn.fit(us, ys, warmup=warmup)
    assert np.allclose(esn.readout.Wout, Wout, rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------
# 3. Spectral radius of a larger sparse matrix.
# ---------------------------------------------------------------------------

def make_spectral():
    from reservoirpy.mat_gen import normal
    n, conn = 600, 0.05
    W = normal(n, n, connectivity=conn, seed=4000)   # scipy CSR, N(0,1), unscaled
    W = sp.csr_matrix(W)
    W.sort_indices()
    rho = spectral_radius(W)
    rho_dense = np.max(np.abs(np.linalg.eigvals(W.toarray())))
    assert abs(rho - rho_dense) < 1e-8 * rho_dense, (rho, rho_dense)
    # Scaled the way ReservoirPy scales W for a requested sr.
    Ws = normal(n, n, connectivity=conn, sr=1.25, seed=4000)
    assert np.allclose(sp.csr_matrix(Ws).toarray(), W.toarray() * 1.25 / rho)
    save("spectral_600.npz",
         "reservoirpy.mat_gen.normal(600, 600, connectivity=0.05, seed=4000) as CSR "
         "(sorted indices); spectral_radius = observables.spectral_radius(W) (ARPACK); "
         "spectral_radius_dense = max |numpy.linalg.eigvals|",
         n=np.int64(n), W_indptr=W.indptr.astype(np.int64),
         W_indices=W.indices.astype(np.int64), W_data=W.data,
         spectral_radius=np.float64(rho), spectral_radius_dense=np.float64(rho_dense))


def main():
    check_versions()
    os.makedirs(OUT, exist_ok=True)
    X = make_states()
    make_ridge(X)
    make_esn_multi()
    make_spectral()
    with open(os.path.join(OUT, "manifest.json"), "w") as fh:
        json.dump(manifest, fh, indent=1, sort_keys=True)
        fh.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"total {total} bytes in {OUT}")


if __name__ == "__main__":
    main()
