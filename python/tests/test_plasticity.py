"""lacus.plasticity against ReservoirPy 0.4.2 fixtures (tests/ref/
make_ip_fixtures.py, make_plasticity_fixtures.py): IP gains, biases and
states, and each local rule's W and states."""

import os
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..")))

import lacus  # noqa: E402
from lacus import plasticity  # noqa: E402

FIX = os.environ.get("LACUS_FIXTURES") or os.path.normpath(
    os.path.join(HERE, "..", "..", "tests", "fixtures"))


def load(*parts):
    with np.load(os.path.join(FIX, *parts)) as z:
        return {k: z[k] for k in z.files}


@pytest.mark.parametrize("name", ["tanh_gauss", "sigmoid_exp"])
def test_ip_equals_reservoirpy(name):
    f = load("ip", name + ".npz")
    act = {0: "tanh", 1: "sigmoid"}[int(f["activation"])]
    r = plasticity.IPReservoir(W=f["W"], Win=f["Win"], bias=f["bias"], lr=float(f["lr"]),
                               activation=act, mu=float(f["mu"]), sigma=float(f["sigma"]),
                               eta=float(f["eta"]))
    assert r.units == 30 and r.input_dim == 2
    r.fit([f["seq0"], f["seq1"]], epochs=int(f["epochs"]))
    st = r.run(f["test"], reset=False)
    for a, b in ((r.a, f["rpy_a"]), (r.b, f["rpy_b"]), (st, f["rpy_states"])):
        assert np.max(np.abs(a - b)) <= 1e-10
    assert np.max(np.abs(r.a - 1.0)) > 0.1  # IP really moved the gains
    np.testing.assert_array_equal(r.state, st[-1])
    with pytest.raises(lacus.LacusError):
        r.a = np.zeros(30)  # a gain of 0 is refused
    bad = f["seq0"].copy()
    bad[5, 1] = np.inf
    a0 = r.a
    with pytest.raises(lacus.LacusError):
        r.fit(bad)
    np.testing.assert_array_equal(r.a, a0)  # nothing changed


@pytest.mark.parametrize("rule", ["oja", "anti-oja", "hebbian", "anti-hebbian", "bcm"])
@pytest.mark.parametrize("frozen", [False, True])
def test_local_rules_equal_reservoirpy(rule, frozen):
    f = load("plasticity", rule + ".npz")
    r = plasticity.LocalPlasticityReservoir(
        f["W0"], f["Win"], f["bias"], rule=rule, eta=float(f["eta"]),
        bcm_theta=float(f["bcm_theta"]), lr=float(f["lr"]), epochs=int(f["epochs"]),
        synapse_normalization=bool(f["norm"]), rpy_frozen_state=frozen)
    nnz = r.nnz
    r.fit([f["u0"], f["u1"]])
    ref = "stock" if frozen else "fixed"
    assert np.max(np.abs(r.W - f["W_" + ref])) <= 1e-10
    assert np.max(np.abs(r.run(f["u_test"]) - f["states_" + ref])) <= 1e-10
    W = r.W
    assert np.all(W[f["W0"] == 0] == 0) and r.nnz == nnz  # the pattern is fixed


def test_sr_after_and_bad_rule():
    f = load("plasticity", "hebbian.npz")
    r = plasticity.LocalPlasticityReservoir(f["W0"], f["Win"], f["bias"], rule="hebbian",
                                            eta=1e-2, sr_after=0.9)
    r.fit(f["u0"])
    assert abs(np.max(np.abs(np.linalg.eigvals(r.W))) - 0.9) < 1e-6
    with pytest.raises(lacus.LacusError):
        plasticity.LocalPlasticityReservoir(f["W0"], f["Win"], rule="stdp")
    with pytest.raises(lacus.LacusError):
        plasticity.LocalPlasticityReservoir(f["W0"], f["Win"], eta=-1.0)
