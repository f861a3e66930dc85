"""Reservoir: ReservoirPy's Reservoir node over lacus_reservoir."""

import ctypes

import numpy as np

from . import _capi as C
from ._capi import lib

# Hyperparameters with ReservoirPy's names -> fields of lacus_reservoir_params.
_SCALARS = ("sr", "input_connectivity", "rc_connectivity", "bias_scaling",
            "bias_connectivity", "noise_rc", "noise_in")


def _array_or_none(v):
    return v if isinstance(v, (np.ndarray, list, tuple)) else None


def build_params(units=None, lr=1.0, sr=1.0, input_scaling=1.0, input_connectivity=0.1,
                 rc_connectivity=0.1, bias_scaling=0.0, bias_connectivity=1.0,
                 activation="tanh", W="normal", Win="bernoulli", bias="bernoulli",
                 noise_rc=0.0, noise_in=0.0, noise_type="gaussian", input_dim=None,
                 seed=42):
    """Returns (params, keepalive, weights): a filled lacus_reservoir_params
    (n_inputs may be 0 when unknown yet), the arrays its pointers refer to
    (keep them until the create call returns), and the weight arrays given
    instead of initialiser names (W, Win, bias), to set after creation."""
    p = lib.lacus_reservoir_params_default()
    keep = []
    weights = {}
    for name, v in (("W", W), ("Win", Win), ("bias", bias)):
        if _array_or_none(v) is not None:
            weights[name] = C.as_f64(v, 2 if name != "bias" else 1, name)
        elif v is not None:
            setattr(p, {"W": "W_init", "Win": "Win_init", "bias": "bias_init"}[name],
                    C.parse_enum("init", v))
    if units is None:
        if "W" in weights:
            units = weights["W"].shape[0]
        elif "Win" in weights:
            units = weights["Win"].shape[0]
        elif "bias" in weights:
            units = weights["bias"].shape[0]
        else:
            raise ValueError("Reservoir: give units (or W, Win or bias arrays)")
    if input_dim is None and "Win" in weights:
        input_dim = weights["Win"].shape[1]
    p.n_units = int(units)
    p.n_inputs = int(input_dim) if input_dim is not None else 0
    if np.ndim(lr) > 0:
        a = C.as_f64(lr, 1, "lr")
        keep.append(a)
        p.lr_per_unit = C.ptr(a)
    else:
        p.lr = float(lr)
    if np.ndim(input_scaling) > 0:
        a = C.as_f64(input_scaling, 1, "input_scaling")
        keep.append(a)
        p.input_scaling_per_input = C.ptr(a)
        if input_dim is None:
            p.n_inputs = a.shape[0]
    else:
        p.input_scaling = float(input_scaling)
    # sr=None is ReservoirPy's "keep W as drawn"; lacus spells it 0.
    values = dict(sr=0.0 if sr is None else sr, input_connectivity=input_connectivity,
                  rc_connectivity=rc_connectivity, bias_scaling=bias_scaling,
                  bias_connectivity=bias_connectivity, noise_rc=noise_rc, noise_in=noise_in)
    for k in _SCALARS:
        setattr(p, k, float(values[k]))
    p.activation = C.parse_enum("activation", activation)
    p.noise_type = C.parse_enum("noise", noise_type)
    p.seed = int(seed) if seed is not None else 42
    return p, keep, weights


def check_params(p):
    """Validates the hyperparameters now (with a placeholder input size when
    it is not known yet), so that a bad lr fails at construction."""
    q = ReservoirParamsCopy(p)
    if q.n_inputs == 0:
        q.n_inputs = 1
    err = C.new_error()
    C.check(lib.lacus_reservoir_params_check(ctypes.byref(q), ctypes.byref(err)), err)


def ReservoirParamsCopy(p):
    q = C.ReservoirParams()
    ctypes.pointer(q)[0] = p
    return q


class Reservoir:
    """A reservoir of leaky-integrator units (ReservoirPy's equation).

    Reservoir(units=100, lr=0.3, sr=1.25, input_scaling=1.0, seed=42, ...):
    hyperparameters have ReservoirPy's names and defaults; W, Win and bias
    take an initialiser name ("normal", "uniform", "bernoulli") or an array.
    The weights are drawn when the input size is known: input_dim=, a Win
    array, or the first run().
    """

    def __init__(self, units=None, input_dim=None, **kw):
        self._owner = None
        self._handle = None
        self._params, self._keep, self._pending = build_params(units, input_dim=input_dim, **kw)
        check_params(self._params)
        if self._params.n_inputs > 0:
            self._create(self._params.n_inputs)

    @classmethod
    def _borrowed(cls, owner):
        """The reservoir inside an ESN: the handle belongs to the ESN."""
        self = cls.__new__(cls)
        self._owner = owner
        self._handle = None
        self._pending = {}
        return self

    def __del__(self):
        if getattr(self, "_owner", None) is None and getattr(self, "_handle", None):
            lib.lacus_reservoir_free(self._handle)
            self._handle = None

    # -- handle -----------------------------------------------------------------
    def _create(self, n_inputs):
        self._params.n_inputs = int(n_inputs)
        h = ctypes.c_void_p()
        err = C.new_error()
        C.check(lib.lacus_reservoir_create(ctypes.byref(self._params), ctypes.byref(h),
                                           ctypes.byref(err)), err)
        self._handle = h.value
        self._keep = []
        pending, self._pending = self._pending, {}
        for name, a in pending.items():
            setattr(self, name, a)

    @property
    def _h(self):
        if self._owner is not None:
            return self._owner._reservoir_handle()
        if self._handle is None:
            raise C.LacusError(-9, "reservoir not initialised: its input size is unknown "
                                   "(give input_dim, a Win array, or run it once)")
        return self._handle

    @property
    def initialized(self):
        return self._owner is not None or self._handle is not None

    def _msg(self):
        return lib.lacus_reservoir_errmsg(self._h)

    def _call(self, fn, *args):
        C.check(fn(self._h, *args), handle_msg=self._msg)

    # -- sizes --------------------------------------------------------------------
    @property
    def units(self):
        if not self.initialized:
            return int(self._params.n_units)
        return int(lib.lacus_reservoir_n_units(self._h))

    @property
    def input_dim(self):
        if not self.initialized:
            return int(self._params.n_inputs) or None
        return int(lib.lacus_reservoir_n_inputs(self._h))

    @property
    def hypers(self):
        """The hyperparameters as a dict (ReservoirPy's names)."""
        p = lib.lacus_reservoir_params_get(self._h)[0] if self.initialized else self._params
        return dict(units=p.n_units, input_dim=p.n_inputs, lr=p.lr, sr=p.sr,
                    input_scaling=p.input_scaling, input_connectivity=p.input_connectivity,
                    rc_connectivity=p.rc_connectivity, bias_scaling=p.bias_scaling,
                    bias_connectivity=p.bias_connectivity,
                    activation=C.enum_name("activation", p.activation),
                    noise_rc=p.noise_rc, noise_in=p.noise_in,
                    noise_type=C.enum_name("noise", p.noise_type), seed=p.seed)

    # -- weights ------------------------------------------------------------------
    def _get(self, name, shape):
        if not self.initialized and name in self._pending:
            return self._pending[name].copy()
        out = np.empty(shape, dtype=np.float64)
        self._call(getattr(lib, "lacus_reservoir_get_" + name), C.ptr(out))
        return out

    def _set(self, name, value, shape):
        a = C.as_f64(value, len(shape), name)
        if a.shape != tuple(shape):
            raise C.LacusError(-2, "%s must have shape %s, got %s" % (name, tuple(shape), a.shape))
        self._call(getattr(lib, "lacus_reservoir_set_" + name), C.ptr(a))

    @property
    def W(self):
        """Recurrent weights, dense (units, units)."""
        return self._get("W", (self.units, self.units))

    @W.setter
    def W(self, value):
        if not self.initialized:
            self._pending["W"] = C.as_f64(value, 2, "W")
            return
        self._set("W", value, (self.units, self.units))

    @property
    def Win(self):
        """Input weights (units, input_dim)."""
        return self._get("Win", (self.units, self.input_dim or 0))

    @Win.setter
    def Win(self, value):
        a = C.as_f64(value, 2, "Win")
        if not self.initialized:
            self._create(a.shape[1])
        self._set("Win", a, (self.units, self.input_dim))

    @property
    def bias(self):
        """Bias (units,)."""
        return self._get("bias", (self.units,))

    @bias.setter
    def bias(self, value):
        if not self.initialized:
            self._pending["bias"] = C.as_f64(value, 1, "bias")
            return
        self._set("bias", value, (self.units,))

    @property
    def state(self):
        """Current state (units,)."""
        out = np.empty(self.units, dtype=np.float64)
        self._call(lib.lacus_reservoir_get_state, C.ptr(out))
        return out

    @state.setter
    def state(self, value):
        self._set("state", value, (self.units,))

    def reset(self):
        self.state = np.zeros(self.units)

    # -- running --------------------------------------------------------------------
    def _ensure(self, n_inputs):
        if not self.initialized:
            self._create(n_inputs)

    def run(self, u, reset=True):
        """States (n_steps, units) for the inputs u (n_steps, input_dim); from
        a zero state (reset=True) or from the state the last call left."""
        u = C.as_f64(u, 2, "u")
        self._ensure(u.shape[1])
        out = np.empty((u.shape[0], self.units), dtype=np.float64)
        self._call(lib.lacus_reservoir_run, C.ptr(u), u.shape[0], 1 if reset else 0,
                   C.ptr(out))
        return out

    def run_many(self, us):
        """States of each sequence of the list, each from a zero state (the
        reservoir's own state is not touched). Returns a list of arrays."""
        us = [C.as_f64(u, 2, "u[%d]" % i) for i, u in enumerate(us)]
        if not us:
            return []
        self._ensure(us[0].shape[1])
        outs = [np.empty((u.shape[0], self.units), dtype=np.float64) for u in us]
        seqs = C.SeqsArg(us)
        self._call(lib.lacus_reservoir_run_many, seqs.ref(), C.out_ptrs(outs))
        return outs

    def __repr__(self):
        return "Reservoir(units=%d, input_dim=%s)" % (self.units, self.input_dim)
