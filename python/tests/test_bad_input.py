"""Bad input to every module raises an exception naming what is wrong
(LacusError with the library's message, or ValueError/TypeError for what the
binding checks itself), never a crash or garbage output."""

import os
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..")))

import lacus  # noqa: E402
from lacus import brain, lang, local, neat, plasticity, tune  # noqa: E402

E = np.empty((0, 3))
NAN = np.array([[1.0, np.nan, 2.0]] * 10)


def small_lm():
    return lang.ReservoirLM(5, n_units=10, gate_tokens=0, warmup=5)


# (name, call, expected exception, a phrase the message must contain)
CASES = [
    ("scores empty", lambda: brain.scores(E, E), lacus.LacusError, "need >= 2 samples"),
    ("scores NaN", lambda: brain.scores(NAN, NAN), lacus.LacusError, "Y[0, 1] is NaN"),
    ("ridgecv empty", lambda: brain.RidgeCV().fit(E, E), lacus.LacusError, "need >= 2 samples"),
    ("ridgecv Inf", lambda: brain.RidgeCV().fit(np.ones((20, 2)), np.full((20, 1), np.inf)),
     lacus.LacusError, "is Inf"),
    ("lanczos NaN time", lambda: brain.lanczos_resample(np.ones((3, 1)), [0, np.nan, 1], [0.0],
                                                        0.5), lacus.LacusError, "NaN"),
    ("fir no delays", lambda: brain.fir_delays(np.ones((4, 2)), []), lacus.LacusError,
     "0 delays"),
    ("hrf dt", lambda: brain.hrf("spm", 0, 32), lacus.LacusError, "0 < dt < length"),
    ("one repeat", lambda: brain.explainable_variance(np.ones((1, 5, 2))), lacus.LacusError,
     ">= 2 repeats"),
    ("fdr NaN", lambda: brain.fdr_bh([0.1, np.nan]), lacus.LacusError, "p[1] = nan"),
    ("sim runs", lambda: brain.simulate_fmri(n_runs=0), lacus.LacusError, "n_runs = 0"),
    ("sim key", lambda: brain.simulate_fmri(runs=3), TypeError, "runs"),
    ("3-D data", lambda: brain.explainable_variance(np.ones((5, 2))), ValueError, "3-D"),
    ("bpe vocab", lambda: lang.Tokenizer.train("abc", kind="bpe", vocab_size=10),
     lacus.LacusError, "vocab_size = 10"),
    ("ngram empty", lambda: lang.NGram([], 5, 2), lacus.LacusError, "empty"),
    ("ids float", lambda: lang.NGram([0.5, 1.0], 3, 2), TypeError, "integers"),
    ("ids 2-D", lambda: lang.NGram([[0, 1]], 3, 2), ValueError, "1-D"),
    ("lm tiny", lambda: small_lm().fit([0, 1, 2], n_calib=1), lacus.LacusError, "too few"),
    ("lm bad id", lambda: small_lm().fit(np.arange(3000) % 7, n_calib=1000), lacus.LacusError,
     "ids[5] = 5"),
    ("lm no prompt", lambda: small_lm().generate([], 5), lacus.LacusError, "prompt"),
    ("lm start 0", lambda: small_lm().bits([1, 2, 3], start=0), lacus.LacusError, "start = 0"),
    ("lm junk file", lambda: lang.ReservoirLM.load("/etc/passwd"), lacus.LacusError,
     "/etc/passwd"),
    ("lm kw", lambda: lang.ReservoirLM(5, units=10), TypeError, "units"),
    ("lgen n", lambda: lang.LGen().generate(-3), lacus.LacusError, "n = -3"),
    ("formal k", lambda: lang.formal_generate("dyck", 10, k=0), lacus.LacusError, "k = 0"),
    ("local empty", lambda: local.LocalReservoir(10, 1).run(np.empty((0, 1))), lacus.LacusError,
     "n_steps"),
    ("local mu", lambda: local.LocalReservoir(10, 1, mu=5.0), lacus.LacusError, "mu = 5"),
    ("local pops", lambda: local.LocalReservoir(10, 1, pops=[(3, "plain")]), lacus.LacusError,
     "cover 3 units"),
    ("kalman NaN", lambda: local.kalman_filter(np.eye(2), None, np.eye(2), 1, 1, None,
                                               np.full((5, 2), np.nan)), lacus.LacusError, "NaN"),
    ("kalman q", lambda: local.kalman_filter(np.eye(2), None, np.eye(2), -1, 1, None,
                                             np.ones((5, 2))), lacus.LacusError, "q = -1"),
    ("ff label", lambda: local.ForwardForward(2).fit(np.ones((4, 3)), [0, 1, 2, 5]),
     lacus.LacusError, "labels[2] = 2"),
    ("ff NaN", lambda: local.ForwardForward(2).fit(np.full((4, 3), np.nan), [0, 1, 0, 1]),
     lacus.LacusError, "NaN"),
    ("tune T", lambda: tune.TuneNet(3).forward(np.empty((0, 1))), lacus.LacusError, "T = 0"),
    ("tune target NaN", lambda: tune.TuneNet(3).gradient(np.ones((5, 1)), np.full((5, 1), np.nan)),
     lacus.LacusError, "NaN"),
    ("tune max_iter", lambda: tune.TuneNet(3).fit(np.ones((5, 1)), np.ones((5, 1)), max_iter=-1),
     lacus.LacusError, "max_iter = -1"),
    ("neat text", lambda: neat.Config.parse("garbage"), lacus.LacusError, "key = value"),
    ("neat pop", lambda: neat.Config().replace(pop_size=0), lacus.LacusError, "pop_size = 0"),
    ("ip NaN", lambda: plasticity.IPReservoir(10, 1).fit(np.full((5, 1), np.nan)),
     lacus.LacusError, "NaN"),
    ("plasticity W", lambda: plasticity.LocalPlasticityReservoir(np.ones((3, 4)), np.ones((3, 1))),
     lacus.LacusError, "W must have shape (3, 3)"),
    ("force NaN", lambda: lacus.ESN(units=10, feedback=1, input_dim=1).force(
        np.ones((10, 1)), np.full((10, 1), np.nan)), lacus.LacusError, "NaN"),
    ("feedback width", lambda: lacus.ESN(W=np.eye(4) * 0.5, Win=np.ones((4, 2)), bias=np.zeros(4),
                                         feedback=1).fit(np.ones((10, 1)), np.ones((10, 2))),
     lacus.LacusError, "feeds back 1 outputs"),
]


@pytest.mark.parametrize("name,call,exc,phrase", CASES, ids=[c[0] for c in CASES])
def test_bad_input_raises_a_clear_error(name, call, exc, phrase):
    with pytest.raises(exc) as e:
        call()
    text = e.value.message if isinstance(e.value, lacus.LacusError) else str(e.value)
    assert phrase in text
