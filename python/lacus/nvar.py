"""NVAR: next-generation reservoir computing features (ReservoirPy's NVAR)."""

import ctypes

import numpy as np

from . import _capi as C
from ._capi import lib


class NVAR:
    """Nonlinear vector autoregression features, as ReservoirPy 0.4.2's NVAR.

    NVAR(delay=2, order=2, strides=1, input_dim=None): features[t] =
    lin[t] (+) every unique monomial of degree `order` of lin[t], where
    lin[t] = u[t] (+) u[t - s] (+) ... (+) u[t - (delay-1) s] (docs/nvar.md).
    Parameters are checked at construction; the node is created when the
    input size is known (input_dim=, or the first run).
    """

    def __init__(self, delay=2, order=2, strides=1, input_dim=None):
        p = lib.lacus_nvar_params_default()
        p.delay = int(delay)
        p.order = int(order)
        p.strides = int(strides)
        p.n_inputs = int(input_dim) if input_dim is not None else 1
        err = C.new_error()
        C.check(lib.lacus_nvar_params_check(ctypes.byref(p), ctypes.byref(err)), err)
        self._params = p
        self._handle = None
        if input_dim is not None:
            self._create(input_dim)

    def __del__(self):
        if getattr(self, "_handle", None):
            lib.lacus_nvar_free(self._handle)
            self._handle = None

    def _create(self, n_inputs):
        p = self._params
        p.n_inputs = int(n_inputs)
        h = ctypes.c_void_p()
        err = C.new_error()
        C.check(lib.lacus_nvar_create(ctypes.byref(p), ctypes.byref(h), ctypes.byref(err)), err)
        if self._handle:
            lib.lacus_nvar_free(self._handle)
        self._handle = h.value

    @property
    def delay(self):
        return int(self._params.delay)

    @property
    def order(self):
        return int(self._params.order)

    @property
    def strides(self):
        return int(self._params.strides)

    @property
    def input_dim(self):
        return int(self._params.n_inputs) if self._handle else None

    @property
    def n_features(self):
        """delay * input_dim + C(delay * input_dim + order - 1, order); None
        while the input size is unknown."""
        return int(lib.lacus_nvar_n_features(self._handle)) if self._handle else None

    output_dim = n_features

    @property
    def n_linear(self):
        """delay * input_dim (the linear part comes first); None while unknown."""
        return int(lib.lacus_nvar_n_linear(self._handle)) if self._handle else None

    def run(self, u, reset=True):
        """Features (n_steps, n_features) for u (n_steps, input_dim).
        reset=True starts from an empty (all-zero) delay line; reset=False
        continues from the inputs of earlier calls (one call or several give
        the same features)."""
        u = C.as_f64(u, 2, "u")
        if not self._handle:
            self._create(u.shape[1])
        elif u.shape[1] != self._params.n_inputs:
            raise C.LacusError(-2, "NVAR: u must have %d columns, got %d"
                               % (self._params.n_inputs, u.shape[1]))
        h = self._handle
        out = np.empty((u.shape[0], lib.lacus_nvar_n_features(h)), dtype=np.float64)
        C.check(lib.lacus_nvar_run(h, C.ptr(u), u.shape[0], 1 if reset else 0, C.ptr(out)),
                handle_msg=lambda: lib.lacus_nvar_errmsg(h))
        return out

    def reset(self):
        """Empties the delay line (zeros)."""
        if self._handle:
            lib.lacus_nvar_reset(self._handle)

    def __repr__(self):
        return "NVAR(delay=%d, order=%d, strides=%d, input_dim=%s, n_features=%s)" % (
            self.delay, self.order, self.strides, self.input_dim, self.n_features)
