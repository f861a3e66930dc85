#!/usr/bin/env python3
"""Fixtures for lacus's IP reservoir (intrinsic plasticity), next to ReservoirPy 0.4.2.

For each case (tanh with a Gaussian target, sigmoid with an exponential
target) this script:

1. draws W, Win, bias, two training sequences of different lengths and a
   test sequence from a fixed NumPy seed (saved, so the C test never needs
   NumPy's RNG);
2. runs ReservoirPy 0.4.2's IPReservoir (given these arrays) through
   fit(list of sequences) with `epochs` epochs, then run(test) from the
   state fit left: arrays rpy_a, rpy_b, rpy_states;
3. re-states the model and the CORRECT IP rule in plain NumPy (ref_*): the
   gain step uses the net input x = r[t+1] that produced the output
   y[t+1] = f(a r[t+1] + b) (Triesch 2005; Schrauwen et al. 2008);
4. re-states the variant the spec (shared/specs/learning_rules.md, 5.3)
   describes as ReservoirPy's bug, the *previous* internal state r[t] in
   the gain step (prev_*), to show what that bug would change.

The C test (tests/unit/test_ip.c) compares lacus against ref_* (the correct
rule). This script asserts that ReservoirPy 0.4.2's numbers equal ref_*
(to 1e-12) and differ from prev_*: in 0.4.2, partial_fit reads
self.state["internal"] *after* step() has replaced the state, so the x it
feeds into delta_a is already r[t+1]; the spec's note does not change the
numbers of 0.4.2. The measured sizes are printed and saved
(diff_rpy_vs_ref, diff_prev_vs_ref).

Regenerate (from the repository root):

    /work/refenv/bin/python tests/ref/make_ip_fixtures.py
"""

import os
import sys

import numpy as np

import reservoirpy
from reservoirpy.nodes import IPReservoir

EXPECTED = "0.4.2"
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "fixtures", "ip"))

N = 30
N_IN = 2
T_TRAIN = (200, 150)
T_TEST = 100
EPOCHS = 3
ETA = 0.01
LR = 0.7


def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def grads(act, x, y, a, mu, sigma):
    """delta_a, delta_b of the IP rule (without eta)."""
    if act == "tanh":  # Schrauwen et al. 2008, Gaussian N(mu, sigma^2)
        s2 = sigma ** 2
        db = -(-(mu / s2) + (y / s2) * (2 * s2 + 1 - y ** 2 + mu * y))
    else:  # Triesch 2005, exponential with mean mu
        db = 1 - (2 + 1 / mu) * y + y ** 2 / mu
    return 1 / a + db * x, db


def numpy_model(act, W, Win, bias, seqs, test, mu, sigma, prev_x):
    f = np.tanh if act == "tanh" else sigmoid
    a = np.ones(N)
    b = np.zeros(N)
    r = np.zeros(N)
    x = np.zeros(N)
    for _ in range(EPOCHS):
        for s in seqs:
            for u in s:
                r_prev = r
                r = (1 - LR) * r + LR * (W @ x + Win @ u + bias)
                x = f(a * r + b)
                da, db = grads(act, r_prev if prev_x else r, x, a, mu, sigma)
                a = a + ETA * da
                b = b + ETA * db
    states = np.empty((len(test), N))
    for t, u in enumerate(test):
        r = (1 - LR) * r + LR * (W @ x + Win @ u + bias)
        x = f(a * r + b)
        states[t] = x
    return a, b, states


def make_case(name, act, mu, sigma, seed):
    rng = np.random.default_rng(seed)
    W = rng.uniform(-1, 1, (N, N)) * (rng.random((N, N)) < 0.2)
    W *= 0.9 / max(abs(np.linalg.eigvals(W)))
    Win = rng.choice([-1.0, 1.0], (N, N_IN)) * (rng.random((N, N_IN)) < 0.5)
    bias = rng.choice([-1.0, 1.0], N) * 0.2
    seqs = [rng.uniform(-1, 1, (t, N_IN)) for t in T_TRAIN]
    test = rng.uniform(-1, 1, (T_TEST, N_IN))

    res = IPReservoir(W=W.copy(), Win=Win.copy(), bias=bias.copy(), lr=LR, mu=mu, sigma=sigma,
                      learning_rate=ETA, epochs=EPOCHS, activation=act)
    res.fit([s.copy() for s in seqs])
    rpy_a, rpy_b = res.a.copy(), res.b.copy()
    rpy_states = res.run(test.copy())

    ref_a, ref_b, ref_states = numpy_model(act, W, Win, bias, seqs, test, mu, sigma, False)
    prev_a, prev_b, prev_states = numpy_model(act, W, Win, bias, seqs, test, mu, sigma, True)

    def mx(p, q):
        return max(np.max(abs(p[i] - q[i])) for i in range(3))

    d_rpy = mx((rpy_a, rpy_b, rpy_states), (ref_a, ref_b, ref_states))
    d_prev = mx((prev_a, prev_b, prev_states), (ref_a, ref_b, ref_states))
    print(f"{name}: max|rpy - ref| = {d_rpy:.3e}, max|prev-state variant - ref| = {d_prev:.3e}, "
          f"|a-1| max {np.max(abs(ref_a - 1)):.3f}, |b| max {np.max(abs(ref_b)):.3f}")
    assert d_rpy < 1e-12, "ReservoirPy disagrees with the NumPy statement of the correct rule"
    assert d_prev > 1e-6, "the previous-state variant should differ"

    os.makedirs(OUT, exist_ok=True)
    np.savez(os.path.join(OUT, name + ".npz"),
             W=W, Win=Win, bias=bias, seq0=seqs[0], seq1=seqs[1], test=test,
             lr=np.float64(LR), mu=np.float64(mu), sigma=np.float64(sigma),
             eta=np.float64(ETA), epochs=np.int64(EPOCHS),
             activation=np.int64(0 if act == "tanh" else 1),
             ref_a=ref_a, ref_b=ref_b, ref_states=ref_states,
             rpy_a=rpy_a, rpy_b=rpy_b, rpy_states=rpy_states,
             prev_a=prev_a, prev_b=prev_b, prev_states=prev_states,
             diff_rpy_vs_ref=np.float64(d_rpy), diff_prev_vs_ref=np.float64(d_prev))


def main():
    if reservoirpy.__version__ != EXPECTED and "--any-version" not in sys.argv:
        sys.exit(f"reservoirpy {reservoirpy.__version__}, pinned {EXPECTED} (--any-version)")
    make_case("tanh_gauss", "tanh", 0.1, 0.5, 11)
    make_case("sigmoid_exp", "sigmoid", 0.2, 1.0, 12)


if __name__ == "__main__":
    main()
