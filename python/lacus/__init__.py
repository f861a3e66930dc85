"""lacus: reservoir computing in C, driven from Python (ctypes + NumPy).

    import lacus
    from lacus import datasets, metrics
    esn = lacus.ESN(units=500, lr=0.3, sr=1.25, ridge=1e-6, seed=42)
    esn.fit(X_train, Y_train, warmup=100)
    Y_pred = esn.run(X_test)

Submodules: lacus.brain (encoding models: HRF, delays, ridge CV, scores,
noise ceilings; lacus.nifti for images), lacus.lang (tokenizers, n-grams, reservoir LMs, lgen),
lacus.local (local learning rules, predictive coding, Forward-Forward),
lacus.tune (backward tuning), lacus.neat (NEAT), lacus.plasticity
(intrinsic and synaptic plasticity); docs/python.md.
"""

from ._version import __version__
from ._capi import LacusError
from ._capi import lib as _lib
from .reservoir import Reservoir
from .ridge import Ridge
from .esn import ESN
from .online import Online, RLS, LMS
from .nvar import NVAR, NVARForecaster
from .graph import Graph
from .stack import Stack
from . import datasets, metrics
from . import brain, nifti, lang, local, tune, neat, plasticity, dist


def library_version():
    """Version string of the loaded liblacus.so."""
    return _lib.lacus_version().decode()


def set_num_threads(n):
    """Number of OpenMP threads lacus uses (results do not depend on it)."""
    _lib.lacus_set_num_threads(int(n))


def get_num_threads():
    return int(_lib.lacus_get_num_threads())


__all__ = ["__version__", "LacusError", "Reservoir", "Ridge", "ESN", "Online", "RLS", "LMS",
           "NVAR", "NVARForecaster", "Graph", "datasets", "metrics", "brain", "nifti", "lang", "local", "tune", "neat",
           "plasticity", "dist", "library_version", "set_num_threads", "get_num_threads"]
