#!/usr/bin/env python3
"""Fixtures for lacus's NVAR node, made by ReservoirPy 0.4.2's NVAR.

Every `features*` array comes out of reservoirpy.nodes.NVAR.run itself; the
inputs are drawn here from a fixed NumPy seed and saved beside them. Each
case runs `u` on a fresh node (empty, all-zero delay line), then `u_cont`
on the same node, which continues from the inputs already seen.

Regenerate (from the repository root), with the pinned environment of
tests/ref/requirements.txt:

    .venv-ref/bin/python tests/ref/make_nvar_fixtures.py

Every array is float64 except the integer parameters (int64, 0-d).
"""

import os
import sys
from math import comb

import numpy as np

import reservoirpy
from reservoirpy.nodes import NVAR

EXPECTED = "0.4.2"
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "fixtures", "nvar"))

# name: (n_inputs, delay, order, strides, T, T_cont)
CASES = {
    "k2_n2_s1_i3": (3, 2, 2, 1, 60, 25),   # the Lorenz-63 configuration
    "k3_n3_s2_i2": (2, 3, 3, 2, 50, 20),
    "k4_n1_s3_i1": (1, 4, 1, 3, 40, 15),
    "k2_n4_s3_i2": (2, 2, 4, 3, 30, 12),
    "k1_n2_s1_i5": (5, 1, 2, 1, 20, 7),
}


def run_case(rng, n_inputs, delay, order, strides, T, T_cont):
    u = rng.uniform(-2.0, 2.0, size=(T, n_inputs))
    u_cont = rng.uniform(-2.0, 2.0, size=(T_cont, n_inputs))
    node = NVAR(delay=delay, order=order, strides=strides)
    feats = node.run(u)
    feats_cont = node.run(u_cont)
    d = delay * n_inputs
    assert feats.shape == (T, d + comb(d + order - 1, order)), feats.shape
    # Semantics the C code relies on; fail loudly if a ReservoirPy changes them.
    whole = NVAR(delay=delay, order=order, strides=strides).run(np.vstack([u, u_cont]))
    assert np.array_equal(whole, np.vstack([feats, feats_cont])), "run does not continue"
    assert np.array_equal(feats[0, :n_inputs], u[0]), "first linear block is u[t]"
    if delay > 1:
        assert np.all(feats[0, n_inputs:d] == 0.0), "the store starts as zeros"
        t = strides
        if t < T:
            assert np.array_equal(feats[t, n_inputs:2 * n_inputs], u[0]), "strides"
    return dict(u=u, u_cont=u_cont, features=feats, features_cont=feats_cont,
                n_inputs=np.int64(n_inputs), delay=np.int64(delay),
                order=np.int64(order), strides=np.int64(strides))


def main():
    if reservoirpy.__version__ != EXPECTED and "--any-version" not in sys.argv:
        sys.exit(f"reservoirpy {reservoirpy.__version__}, pinned {EXPECTED} "
                 "(--any-version to override)")
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20240303)
    for name, cfg in CASES.items():
        arrays = run_case(rng, *cfg)
        for k, v in arrays.items():
            v = np.asarray(v)
            assert v.dtype in (np.float64, np.int64), (name, k, v.dtype)
            assert np.all(np.isfinite(v)), (name, k)
        path = os.path.join(OUT, name + ".npz")
        np.savez(path, **arrays)
        print(f"{path}: features {arrays['features'].shape}")


if __name__ == "__main__":
    main()
