#!/usr/bin/env python3
"""Fixtures for lacus's local-plasticity reservoir, made by ReservoirPy 0.4.2.

For each rule (oja, anti-oja, hebbian, anti-hebbian, bcm) one file
tests/fixtures/plasticity/<rule>.npz holds the weights and data given to a
LocalPlasticityReservoir (W sparse with a fixed pattern, Win, bias; two
training sequences; a test sequence) and, after fit with 2 epochs:

  stock:  ReservoirPy 0.4.2's fit exactly as shipped. It calls self._step
          without storing the new state, so pre/post come from a frozen
          (zero) state: W_stock, then states_stock = run(u_test) from zero.
          lacus reproduces it with rpy_frozen_state = 1.
  fixed:  the same node, the same rule functions (node.increment) and the
          same _step, with the one line the loop misses (self.state = new
          state, post computed with W before the update) -- the rule as
          documented, and lacus's default: W_fixed, states_fixed.

A sixth file, oja_norm.npz, repeats the fixed oja case with
synapse_normalization=True (stock: ReservoirPy's own in-place row
normalisation; fixed: the same normalisation written out on a dense copy).

Run from the repository root: /work/refenv/bin/python tests/ref/make_plasticity_fixtures.py
"""

import os

import numpy as np
import scipy.sparse as sp

import reservoirpy
from reservoirpy.mat_gen import uniform
from reservoirpy.nodes import LocalPlasticityReservoir

assert reservoirpy.__version__ == "0.4.2", reservoirpy.__version__

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "fixtures", "plasticity"))
RULES = ["oja", "anti-oja", "hebbian", "anti-hebbian", "bcm"]
RULE_CODE = {r: i for i, r in enumerate(RULES)}  # lacus_plasticity_rule

N, I, EPOCHS, LR, THETA = 30, 2, 2, 0.7, 0.1
# eta per rule: plain Hebb grows W without bound on unsquashed internal states.
ETA = {"oja": 5e-3, "anti-oja": 5e-3, "hebbian": 1e-3, "anti-hebbian": 5e-3, "bcm": 5e-3}
LENS = [60, 40]  # two training sequences, 100 steps in all
T_TEST = 50


def make_node(rule, W, Win, bias, norm=False):
    eta = ETA[rule]
    node = LocalPlasticityReservoir(
        units=N, local_rule=rule, eta=eta, bcm_theta=THETA, epochs=EPOCHS, lr=LR,
        W=W.copy(), Win=Win.copy(), bias=bias.copy(), synapse_normalization=norm,
    )
    node.initialize(np.zeros((1, I)))
    return node


def fit_fixed(node, seqs, norm=False):
    """ReservoirPy's fit loop with the state advanced (the documented rule)."""
    for _ in range(node.epochs):
        for seq in seqs:
            for u in seq:
                pre = node.state["internal"]
                new = node._step(node.state, u)
                post = new["internal"]
                rows, cols, data = sp.find(node.W)
                node.W[rows, cols] += node.increment(data, pre[cols], post[rows])
                if norm:
                    D = node.W.toarray()
                    nrm = np.sqrt(np.sum(D**2, axis=1)).reshape(-1, 1)
                    nrm = np.where(nrm > 0, nrm, 1)
                    node.W = sp.csr_array(D / nrm)
                node.state = new


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261123)
    W0 = uniform(N, N, sr=0.9, connectivity=0.2, seed=7)
    W0 = sp.csr_array(W0)
    Win = rng.uniform(-1, 1, size=(N, I)) * (rng.random((N, I)) < 0.5)
    bias = rng.uniform(-0.2, 0.2, size=N)
    seqs = [np.sin(np.arange(n)[:, None] * np.array([0.21, 0.13]) + k) + 0.1 * rng.normal(size=(n, I))
            for k, n in enumerate(LENS)]
    u_test = rng.normal(size=(T_TEST, I))
    cases = [(r, r, False) for r in RULES] + [("oja_norm", "oja", True)]
    for name, rule, norm in cases:
        arrs = dict(W0=W0.toarray(), Win=Win, bias=bias, u0=seqs[0], u1=seqs[1], u_test=u_test,
                    rule=np.array(RULE_CODE[rule]), eta=np.array(ETA[rule]), bcm_theta=np.array(THETA),
                    lr=np.array(LR), epochs=np.array(EPOCHS), norm=np.array(int(norm)))
        node = make_node(rule, W0, Win, bias, norm)
        node.fit(seqs)  # stock 0.4.2
        arrs["W_stock"] = node.W.toarray()
        node.reset()
        arrs["states_stock"] = node.run(u_test)
        node = make_node(rule, W0, Win, bias, norm)
        fit_fixed(node, seqs, norm)
        arrs["W_fixed"] = node.W.toarray()
        node.reset()
        arrs["states_fixed"] = node.run(u_test)
        np.savez_compressed(os.path.join(OUT, f"{name}.npz"), **arrs)
        dW = np.abs(arrs["W_fixed"] - arrs["W0"]).max()
        dS = np.abs(arrs["W_stock"] - arrs["W0"]).max()
        print(f"{name}: max |W_fixed - W0| = {dW:.3g}, max |W_stock - W0| = {dS:.3g}")


if __name__ == "__main__":
    main()
